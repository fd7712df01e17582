namespace LlmRelay.Selection;

/// <summary>A usable channel as a <see cref="IChannelSelectionPolicy"/> sees it: its identity, weight and recent load.</summary>
public readonly struct ChannelCandidate
{
    /// <summary>Initializes a new instance of the <see cref="ChannelCandidate"/> struct.</summary>
    /// <param name="channelId">The channel's id.</param>
    /// <param name="name">The channel's name.</param>
    /// <param name="weight">The channel's weight (0 or more).</param>
    /// <param name="inFlight">The calls this instance has in flight on the channel.</param>
    /// <param name="recentLatency">The recent time to first byte, or <see langword="null"/> before the first sample.</param>
    public ChannelCandidate(long channelId, string name, int weight, int inFlight, TimeSpan? recentLatency)
    {
        ChannelId = channelId;
        Name = name;
        Weight = weight;
        InFlight = inFlight;
        RecentLatency = recentLatency;
    }

    /// <summary>Gets the channel's id.</summary>
    public long ChannelId { get; }

    /// <summary>Gets the channel's name.</summary>
    public string Name { get; }

    /// <summary>Gets the channel's weight: 0 or more, as configured.</summary>
    public int Weight { get; }

    /// <summary>Gets the number of calls this gateway instance has in flight on the channel, from sending until the answer ends.</summary>
    public int InFlight { get; }

    /// <summary>Gets the channel's recent time to first byte (an exponentially weighted moving average over successful calls),
    /// or <see langword="null"/> when this instance has not measured the channel yet.</summary>
    public TimeSpan? RecentLatency { get; }
}
