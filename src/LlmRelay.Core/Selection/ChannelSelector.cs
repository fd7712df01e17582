namespace LlmRelay.Selection;

/// <summary>Picks a channel: the highest priority tier with a usable channel, then a weighted random pick inside it.</summary>
/// <remarks>Thread-safe. Allocation-free: the excluded set is a span of channel ids already tried.</remarks>
internal static class ChannelSelector
{
    public static ChannelSelectionStatus Select(ChannelCatalog catalog, string group, string model, ReadOnlySpan<long> excluded, out ChannelEntry? channel)
    {
        channel = null;
        var tiers = catalog.Find(group, model);
        if (tiers is null)
        {
            return ChannelSelectionStatus.ModelNotFound;
        }

        foreach (var tier in tiers)
        {
            var totalWeight = 0L;
            var usable = 0;
            foreach (var candidate in tier.Channels)
            {
                if (IsUsable(candidate, excluded))
                {
                    usable++;
                    totalWeight += candidate.Weight;
                }
            }

            if (usable == 0)
            {
                continue;
            }

            // All-zero weights fall back to a uniform pick.
            var uniform = totalWeight == 0;
            var roll = Random.Shared.NextInt64(uniform ? usable : totalWeight);
            foreach (var candidate in tier.Channels)
            {
                if (!IsUsable(candidate, excluded))
                {
                    continue;
                }

                roll -= uniform ? 1 : candidate.Weight;
                if (roll < 0)
                {
                    channel = candidate;
                    return ChannelSelectionStatus.Selected;
                }
            }
        }

        return ChannelSelectionStatus.NoChannelAvailable;
    }

    private static bool IsUsable(ChannelEntry candidate, ReadOnlySpan<long> excluded) =>
        candidate.Enabled && !excluded.Contains(candidate.Id);
}
