namespace LlmRelay.RateLimiting;

/// <summary>Where the rate-limit counters live: in process memory (the default), or in Redis so that limits hold across instances.</summary>
/// <remarks>
/// Counters are sliding one-minute windows of <see cref="RateLimitWindow.Segments"/> segments, read from the caller's
/// <see cref="TimeProvider"/>. Implementations are thread-safe and check-and-count all the rules of one call atomically: a
/// refused call counts against none of them.
/// </remarks>
public interface IRateLimitStore
{
    /// <summary>Admits and counts one call against every rule, or refuses it when a rule's requests or settled tokens in the current window have reached its limit.</summary>
    /// <param name="rules">The rules of the call (at least one).</param>
    /// <param name="now">The current time from the relay's <see cref="TimeProvider"/>.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>Whether the call was admitted; when refused, how long to wait.</returns>
    ValueTask<RateLimitDecision> TryAcquireAsync(ReadOnlyMemory<RateLimitRule> rules, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Adds a completed call's settled tokens to every rule that limits tokens, in the window of <paramref name="now"/>.</summary>
    /// <param name="rules">The rules the call was admitted by.</param>
    /// <param name="tokens">The settled prompt plus completion tokens.</param>
    /// <param name="now">The current time from the relay's <see cref="TimeProvider"/>.</param>
    /// <remarks>Never blocks the caller: it runs when a call is disposed. A store on a network sends it without waiting for the answer.</remarks>
    void RecordTokens(ReadOnlyMemory<RateLimitRule> rules, long tokens, DateTimeOffset now);
}
