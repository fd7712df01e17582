namespace LlmRelay.Channels;

/// <summary>The operational status of a <see cref="RelayChannel"/>.</summary>
public enum ChannelStatus
{
    /// <summary>The channel receives traffic.</summary>
    Enabled = 1,

    /// <summary>An operator disabled the channel.</summary>
    ManuallyDisabled = 2,

    /// <summary>The gateway disabled the channel after a definitive upstream failure.</summary>
    AutoDisabled = 3,
}
