namespace LlmRelay.Selection;

/// <summary>Chooses one channel among the usable channels of a priority tier, in the style of YARP's load-balancing policies.</summary>
/// <remarks>
/// <para>
/// A policy is a named singleton service, registered with <c>AddChannelSelectionPolicy&lt;T&gt;()</c> on the LlmRelay
/// builder and chosen by <see cref="Name"/> per group through <c>LlmRelay:Selection</c> (see
/// <see cref="Configuration.ChannelSelectionOptions"/>). Priority tiers and failover are not a policy's concern:
/// the relay asks the policy once per tier, highest priority first, with only the channels that are enabled, serve the
/// model and were not tried yet for this request.
/// </para>
/// <code>
/// (group, model) ─► tiers, highest priority first
///   tier ─► usable channels (enabled, not yet tried) ─► policy.Pick(context, candidates) ─► channel
///        └─ none usable ─► next tier
/// </code>
/// <para>Implementations must be thread-safe and should not allocate: <see cref="Pick"/> runs once per relayed attempt.</para>
/// </remarks>
public interface IChannelSelectionPolicy
{
    /// <summary>Gets the name that configuration uses to choose this policy, compared case-insensitively.</summary>
    string Name { get; }

    /// <summary>Returns the index in <paramref name="candidates"/> of the channel to try.</summary>
    /// <param name="context">The tier being chosen from.</param>
    /// <param name="candidates">The usable channels of the tier, in a fixed order (never empty).</param>
    /// <returns>An index from 0 to <c>candidates.Length - 1</c>; any other value is read as 0.</returns>
    int Pick(in ChannelSelectionContext context, ReadOnlySpan<ChannelCandidate> candidates);
}
