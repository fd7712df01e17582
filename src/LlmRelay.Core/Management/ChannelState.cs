namespace LlmRelay.Management;

/// <summary>Operational facts about a channel that the management API keeps beside it: tag, test results, balance, disabled keys.</summary>
public sealed class ChannelState
{
    /// <summary>Gets or sets the identifier of the channel this state belongs to.</summary>
    public long ChannelId { get; set; }

    /// <summary>Gets or sets the tag that groups channels for bulk edits, or an empty string.</summary>
    public string Tag { get; set; } = "";

    /// <summary>Gets or sets when the channel was last tested, or <see langword="null"/>.</summary>
    public DateTimeOffset? TestedAt { get; set; }

    /// <summary>Gets or sets the response time of the last test in milliseconds.</summary>
    public int ResponseTimeMs { get; set; }

    /// <summary>Gets or sets the last known upstream balance in USD.</summary>
    public double Balance { get; set; }

    /// <summary>Gets or sets when <see cref="Balance"/> was last updated, or <see langword="null"/>.</summary>
    public DateTimeOffset? BalanceUpdatedAt { get; set; }

    /// <summary>Gets or sets the upstream keys an administrator disabled; they are kept out of the channel's active keys.</summary>
    public List<string> DisabledKeys { get; set; } = [];

    /// <summary>Gets or sets the upstream keys the relay disabled after a definitive failure (an invalid key, exhausted billing), identified by fingerprint.</summary>
    /// <remarks>Unlike <see cref="DisabledKeys"/> these keys stay in the channel's key list; the relay skips them until they are enabled again.</remarks>
    public List<DisabledChannelKey> AutoDisabledKeys { get; set; } = [];
}
