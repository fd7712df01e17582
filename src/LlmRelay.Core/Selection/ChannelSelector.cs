using System.Buffers;

namespace LlmRelay.Selection;

/// <summary>Picks a channel: the highest priority tier with a usable channel, then the group's <see cref="IChannelSelectionPolicy"/> inside it.</summary>
/// <remarks>
/// Thread-safe. The excluded set is a span of channel ids already tried. The default weighted random policy runs without
/// allocating; other policies see the tier's usable channels through a pooled <see cref="ChannelCandidate"/> array.
/// <para>
/// A preferred channel (the one that served the caller's session last, see <see cref="ISessionAffinityStore"/>) is taken
/// instead of the policy's pick when it is usable and in the first tier that has a usable channel: affinity overrides
/// weights and policies, never priorities, and never brings back a channel that is disabled, no longer serves the model
/// in the group, or was already tried for this call.
/// </para>
/// </remarks>
internal static class ChannelSelector
{
    public static ChannelSelectionStatus Select(ChannelCatalog catalog, string group, string model, ReadOnlySpan<long> excluded, out ChannelEntry? channel, long preferredChannelId = 0)
    {
        channel = null;
        var tiers = catalog.Find(group, model);
        if (tiers is null)
        {
            return ChannelSelectionStatus.ModelNotFound;
        }

        var policy = catalog.Policies.For(group);
        foreach (var tier in tiers)
        {
            if (preferredChannelId != 0 && FindUsable(tier, preferredChannelId, excluded) is { } preferred)
            {
                channel = preferred;
                return ChannelSelectionStatus.Selected;
            }

            channel = policy is WeightedRandomSelectionPolicy
                ? PickWeighted(tier, excluded)
                : Pick(policy, new ChannelSelectionContext(group, model, tier, tier.Priority), tier, excluded);
            if (channel is not null)
            {
                return ChannelSelectionStatus.Selected;
            }
        }

        return ChannelSelectionStatus.NoChannelAvailable;
    }

    // The default policy over the tier itself: no candidate array.
    private static ChannelEntry? PickWeighted(ChannelTier tier, ReadOnlySpan<long> excluded)
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
            return null;
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
                return candidate;
            }
        }

        return null;
    }

    private static ChannelEntry? Pick(IChannelSelectionPolicy policy, in ChannelSelectionContext context, ChannelTier tier, ReadOnlySpan<long> excluded)
    {
        var channels = tier.Channels;
        var candidates = ArrayPool<ChannelCandidate>.Shared.Rent(channels.Length);
        try
        {
            var usable = 0;
            foreach (var entry in channels)
            {
                if (IsUsable(entry, excluded))
                {
                    candidates[usable++] = new ChannelCandidate(entry.Id, entry.Name, entry.Weight, entry.Load.InFlight, entry.Load.RecentLatency);
                }
            }

            if (usable == 0)
            {
                return null;
            }

            var index = policy.Pick(context, candidates.AsSpan(0, usable));
            if ((uint)index >= (uint)usable)
            {
                index = 0;
            }

            foreach (var entry in channels)
            {
                if (IsUsable(entry, excluded) && index-- == 0)
                {
                    return entry;
                }
            }

            return null;
        }
        finally
        {
            // Not cleared: the candidates only reference channel names, which the catalog keeps alive anyway.
            ArrayPool<ChannelCandidate>.Shared.Return(candidates);
        }
    }

    private static ChannelEntry? FindUsable(ChannelTier tier, long channelId, ReadOnlySpan<long> excluded)
    {
        foreach (var candidate in tier.Channels)
        {
            if (candidate.Id == channelId)
            {
                return IsUsable(candidate, excluded) ? candidate : null;
            }
        }

        return null;
    }

    private static bool IsUsable(ChannelEntry candidate, ReadOnlySpan<long> excluded) =>
        candidate.Enabled && !excluded.Contains(candidate.Id);
}
