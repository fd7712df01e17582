namespace LlmRelay.Selection;

/// <summary>The channels of one priority for one (group, model), in a fixed order.</summary>
internal sealed class ChannelTier(long priority, ChannelEntry[] channels)
{
    public long Priority { get; } = priority;

    public ChannelEntry[] Channels { get; } = channels;
}
