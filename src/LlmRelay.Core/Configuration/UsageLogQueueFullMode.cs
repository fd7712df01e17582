namespace LlmRelay.Configuration;

/// <summary>What the relay does when <see cref="LlmRelayOptions.UsageLogQueueCapacity"/> usage-log rows already wait to be written.</summary>
public enum UsageLogQueueFullMode
{
    /// <summary>
    /// New calls wait (up to <see cref="LlmRelayOptions.UsageLogQueueWait"/>) before anything is sent upstream until the
    /// writer has made room, then are refused with 503 <c>usage_log_backlog</c>: every call that was served has its row.
    /// </summary>
    Wait,

    /// <summary>New calls are never held back; rows that find the queue full are dropped (counted, their quota still settled).</summary>
    Drop,
}
