using System.Runtime.CompilerServices;

namespace LlmRelay.Selection;

/// <summary>Each usable channel of a tier in turn, ignoring weights; the cursor lives with the tier.</summary>
internal sealed class RoundRobinSelectionPolicy : IChannelSelectionPolicy
{
    private readonly ConditionalWeakTable<object, StrongBox<int>> _cursors = [];

    public string Name => ChannelSelectionPolicies.RoundRobin;

    public int Pick(in ChannelSelectionContext context, ReadOnlySpan<ChannelCandidate> candidates)
    {
        var cursor = _cursors.GetValue(context.Tier, static _ => new StrongBox<int>(-1));
        return (int)((uint)Interlocked.Increment(ref cursor.Value) % (uint)candidates.Length);
    }
}
