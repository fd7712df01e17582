namespace LlmRelay.Selection;

/// <summary>The channel with the lowest recent time to first byte; a channel not measured yet goes first, so every channel gets measured.</summary>
internal sealed class LowestLatencySelectionPolicy : IChannelSelectionPolicy
{
    public string Name => ChannelSelectionPolicies.LowestLatency;

    public int Pick(in ChannelSelectionContext context, ReadOnlySpan<ChannelCandidate> candidates)
    {
        var best = 0;
        var bestTicks = long.MaxValue;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (candidates[i].RecentLatency is not { } latency)
            {
                return i;
            }

            if (latency.Ticks < bestTicks)
            {
                bestTicks = latency.Ticks;
                best = i;
            }
        }

        return best;
    }
}
