namespace LlmRelay.Concurrency;

/// <summary>The answer of <see cref="IConcurrencySlotStore.TryAcquireAsync"/>.</summary>
public enum ConcurrencySlotOutcome
{
    /// <summary>A slot was taken in every scope.</summary>
    Acquired,

    /// <summary>Some scope is full; the call is (still) counted in the queue and may try again.</summary>
    Queued,

    /// <summary>Some scope is full and so is the queue; nothing was counted.</summary>
    QueueFull,
}
