namespace LlmRelay.Selection;

/// <summary>The channel with the fewest calls in flight on this instance; among equals, a weighted random pick.</summary>
internal sealed class LeastBusySelectionPolicy : IChannelSelectionPolicy
{
    public string Name => ChannelSelectionPolicies.LeastBusy;

    public int Pick(in ChannelSelectionContext context, ReadOnlySpan<ChannelCandidate> candidates)
    {
        var least = int.MaxValue;
        var ties = 0;
        var totalWeight = 0L;
        foreach (var candidate in candidates)
        {
            if (candidate.InFlight < least)
            {
                least = candidate.InFlight;
                ties = 0;
                totalWeight = 0;
            }

            if (candidate.InFlight == least)
            {
                ties++;
                totalWeight += candidate.Weight;
            }
        }

        // Weighted random among the least busy, so that equal channels share the load instead of the first taking it all.
        var uniform = totalWeight == 0;
        var roll = uniform ? Random.Shared.Next(ties) : Random.Shared.NextInt64(totalWeight);
        for (var i = 0; i < candidates.Length; i++)
        {
            if (candidates[i].InFlight != least)
            {
                continue;
            }

            roll -= uniform ? 1 : candidates[i].Weight;
            if (roll < 0)
            {
                return i;
            }
        }

        return 0;
    }
}
