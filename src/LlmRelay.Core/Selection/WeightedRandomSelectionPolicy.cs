namespace LlmRelay.Selection;

/// <summary>The default policy: a random pick weighted by <see cref="ChannelCandidate.Weight"/>, uniform when every weight is 0.</summary>
internal sealed class WeightedRandomSelectionPolicy : IChannelSelectionPolicy
{
    public static readonly WeightedRandomSelectionPolicy Instance = new();

    public string Name => ChannelSelectionPolicies.WeightedRandom;

    public int Pick(in ChannelSelectionContext context, ReadOnlySpan<ChannelCandidate> candidates) => PickWeighted(candidates);

    /// <summary>Returns a weighted random index into <paramref name="candidates"/> (uniform when all weights are 0).</summary>
    public static int PickWeighted(ReadOnlySpan<ChannelCandidate> candidates)
    {
        var total = 0L;
        foreach (var candidate in candidates)
        {
            total += candidate.Weight;
        }

        if (total == 0)
        {
            return Random.Shared.Next(candidates.Length);
        }

        var roll = Random.Shared.NextInt64(total);
        for (var i = 0; i < candidates.Length; i++)
        {
            roll -= candidates[i].Weight;
            if (roll < 0)
            {
                return i;
            }
        }

        return candidates.Length - 1;
    }
}
