namespace LlmRelay.Concurrency;

/// <summary>Why <see cref="RelayConcurrency.AcquireAsync"/> returned a lease that was not acquired.</summary>
internal enum ConcurrencyRejection
{
    /// <summary>The lease was acquired.</summary>
    None,

    /// <summary>The wait queue was full, so the request was refused without waiting.</summary>
    QueueFull,

    /// <summary>The request waited <see cref="ConcurrencyOptions.MaxQueueWait"/> without getting a slot.</summary>
    QueueTimeout,
}
