namespace LlmRelay.Configuration;

/// <summary>Which <see cref="Selection.IChannelSelectionPolicy"/> chooses among the channels of a priority tier (section <c>LlmRelay:Selection</c>).</summary>
/// <remarks>
/// <code>
/// "Selection": { "Policy": "weighted-random", "Groups": { "vip": "lowest-latency", "batch": "least-busy" } }
/// </code>
/// Built-in names are in <see cref="Selection.ChannelSelectionPolicies"/>; a policy registered with
/// <c>AddChannelSelectionPolicy&lt;T&gt;()</c> is chosen by its own name. An unknown name fails start-up.
/// </remarks>
public sealed class ChannelSelectionOptions
{
    /// <summary>Gets or sets the policy of every group that <see cref="Groups"/> does not name.</summary>
    /// <value>The default value is <c>weighted-random</c>.</value>
    public string Policy { get; set; } = Selection.ChannelSelectionPolicies.Default;

    /// <summary>Gets the policy per group, by group name (case-sensitive, as groups are).</summary>
    /// <value>The default value is an empty dictionary: every group uses <see cref="Policy"/>.</value>
    public IDictionary<string, string> Groups { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
