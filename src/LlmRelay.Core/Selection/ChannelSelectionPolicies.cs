namespace LlmRelay.Selection;

/// <summary>The names of the built-in <see cref="IChannelSelectionPolicy"/> implementations.</summary>
public static class ChannelSelectionPolicies
{
    /// <summary>A random pick weighted by each channel's <c>Weight</c> (uniform when every weight is 0). The default.</summary>
    public const string WeightedRandom = "weighted-random";

    /// <summary>Each channel of the tier in turn, ignoring weights.</summary>
    public const string RoundRobin = "round-robin";

    /// <summary>The channel with the fewest calls in flight on this instance; ties by weighted random pick.</summary>
    public const string LeastBusy = "least-busy";

    /// <summary>The channel with the lowest recent time to first byte; a channel not measured yet is tried first.</summary>
    public const string LowestLatency = "lowest-latency";

    /// <summary>The policy used when configuration names none.</summary>
    public const string Default = WeightedRandom;
}
