namespace LlmRelay.Concurrency;

/// <summary>A point-in-time view of <see cref="RelayConcurrency"/>, for the management API.</summary>
/// <param name="InFlight">The requests holding slots now.</param>
/// <param name="Queued">The requests waiting for a slot now.</param>
/// <param name="MaxInFlight">The global in-flight limit; 0 means unlimited.</param>
/// <param name="MaxInFlightPerKey">The per-key in-flight limit; 0 means unlimited.</param>
/// <param name="QueueLimit">The most requests that may wait at once.</param>
/// <param name="MaxQueueWait">The longest a request may wait.</param>
/// <param name="InFlightByKey">The in-flight count of each key that has requests in flight, ordinally sorted by key.</param>
public sealed record RelayQueueStatus(
    int InFlight,
    int Queued,
    int MaxInFlight,
    int MaxInFlightPerKey,
    int QueueLimit,
    TimeSpan MaxQueueWait,
    IReadOnlyDictionary<string, int> InFlightByKey);
