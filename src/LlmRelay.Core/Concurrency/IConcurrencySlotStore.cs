namespace LlmRelay.Concurrency;

/// <summary>Where concurrency slots and the wait queue are counted when they must hold across gateway instances (issue #18), for example in Redis.</summary>
/// <remarks>
/// <para>
/// Without a registered store the relay counts slots in process memory (its own limiters, allocation-free), and each
/// instance enforces <see cref="ConcurrencyOptions"/> alone. With one, every call takes its slots here instead:
/// <code>
///  TryAcquireAsync(scopes, holder) ─► a slot free in every scope? ─► Acquired (counted in every scope until Release or expiry)
///                │ no
///                ▼
///  waiting already? ── yes ──► Queued (try again after WaitForReleaseAsync or a poll)
///                │ no
///                ▼
///  fewer than queueLimit waiting anywhere? ── yes ──► Queued (counted in the queue until its deadline, Acquired or Abandon)
///                │ no
///                ▼
///              QueueFull
/// </code>
/// A slot is held for <see cref="LeaseDuration"/> past the time it was taken or last renewed, so the slots of an instance
/// that vanished without releasing them free themselves. Times come from the relay's <see cref="TimeProvider"/>.
/// </para>
/// <para>Implementations are thread-safe and check-and-take all the scopes of one call atomically.</para>
/// </remarks>
public interface IConcurrencySlotStore
{
    /// <summary>Gets how long a slot stays taken after it was taken or last renewed; the relay renews held slots every third of it.</summary>
    TimeSpan LeaseDuration { get; }

    /// <summary>Takes a slot in every scope for <paramref name="holder"/>, or queues it, or refuses it because the queue is full.</summary>
    /// <param name="scopes">The limited scopes of the call (at least one), with their limits.</param>
    /// <param name="holder">A name for this call, unique across instances.</param>
    /// <param name="now">The current time from the relay's <see cref="TimeProvider"/>.</param>
    /// <param name="queueLimit">The most calls that may wait at once across all instances.</param>
    /// <param name="queueDeadline">When the call stops waiting; its queue entry counts until then.</param>
    /// <param name="waiting"><see langword="true"/> when <paramref name="holder"/> is already queued (a retry).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>Whether the slots were taken, the call was queued, or the queue was full.</returns>
    ValueTask<ConcurrencySlotOutcome> TryAcquireAsync(
        ReadOnlyMemory<ConcurrencySlotScope> scopes,
        string holder,
        DateTimeOffset now,
        int queueLimit,
        DateTimeOffset queueDeadline,
        bool waiting,
        CancellationToken cancellationToken);

    /// <summary>Moves the expiry of <paramref name="holder"/>'s slots to <paramref name="now"/> plus <see cref="LeaseDuration"/>; never blocks.</summary>
    /// <param name="scopes">The scopes the slots were taken in.</param>
    /// <param name="holder">The holder named when they were taken.</param>
    /// <param name="now">The current time from the relay's <see cref="TimeProvider"/>.</param>
    void Renew(ReadOnlyMemory<ConcurrencySlotScope> scopes, string holder, DateTimeOffset now);

    /// <summary>Frees <paramref name="holder"/>'s slots and wakes the callers waiting on any instance; never blocks.</summary>
    /// <param name="scopes">The scopes the slots were taken in.</param>
    /// <param name="holder">The holder named when they were taken.</param>
    void Release(ReadOnlyMemory<ConcurrencySlotScope> scopes, string holder);

    /// <summary>Takes <paramref name="holder"/> out of the queue, and frees any slot it may have taken meanwhile; never blocks.</summary>
    /// <param name="scopes">The scopes the holder asked for.</param>
    /// <param name="holder">The holder that gives up waiting.</param>
    void Abandon(ReadOnlyMemory<ConcurrencySlotScope> scopes, string holder);

    /// <summary>Returns a task that completes when a slot is next released, on any instance.</summary>
    /// <returns>The task; take it before trying, so that a release in between is not missed.</returns>
    /// <remarks>Delivery is best effort: waiters also poll.</remarks>
    Task WaitForReleaseAsync();
}
