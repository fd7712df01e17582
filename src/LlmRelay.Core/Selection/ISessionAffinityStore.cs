namespace LlmRelay.Selection;

/// <summary>Remembers which channel and key served a session, so that the session's next call goes there first and the provider's prompt cache keeps hitting.</summary>
/// <remarks>
/// <para>
/// The relay reads an entry once per call, before the first channel is chosen, and writes one after a channel answered.
/// An entry is a preference, never a pin: the pipeline uses the remembered channel only while it is eligible (enabled,
/// serving the model in the caller's group, its key healthy, in the first priority tier with a usable channel), fails
/// over from it like from any channel, and then overwrites the entry with the channel that answered (issue #16).
/// </para>
/// <para>
/// The default implementation keeps entries in process memory, bounded in number and expiring after
/// <see cref="Configuration.SessionAffinityOptions.Ttl"/> without use. Register another implementation (a shared cache
/// such as Redis when several gateway instances serve the same callers) as a singleton before or after
/// <c>AddLlmRelay()</c>: the built-in one is added with <c>TryAdd</c>. Implementations must be thread-safe; they are
/// called on the relay's hot path, so a completed <see cref="ValueTask"/> is expected when the answer is at hand.
/// </para>
/// </remarks>
public interface ISessionAffinityStore
{
    /// <summary>Returns the channel and key that last served <paramref name="key"/>, or <see langword="null"/> when none did or the entry expired.</summary>
    /// <param name="key">The session, scoped to its gateway token.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The remembered target, or <see langword="null"/>.</returns>
    ValueTask<SessionAffinityTarget?> GetAsync(SessionAffinityKey key, CancellationToken cancellationToken);

    /// <summary>Remembers that <paramref name="target"/> served <paramref name="key"/>, replacing any earlier target and restarting its time to live.</summary>
    /// <param name="key">The session, scoped to its gateway token.</param>
    /// <param name="target">The channel and key that answered.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>A task that completes when the entry is stored.</returns>
    ValueTask SetAsync(SessionAffinityKey key, SessionAffinityTarget target, CancellationToken cancellationToken);
}
