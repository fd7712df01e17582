using System.Collections.Frozen;
using LlmRelay.Configuration;

namespace LlmRelay.Selection;

/// <summary>The registered <see cref="IChannelSelectionPolicy"/> services by name, and which one each group uses.</summary>
/// <remarks>Thread-safe: immutable once built.</remarks>
internal sealed class ChannelSelectionPolicySet
{
    /// <summary>The built-in policies with the default for every group, for catalogs built without services.</summary>
    public static readonly ChannelSelectionPolicySet Default = new(BuiltIn(), null);

    private readonly FrozenDictionary<string, IChannelSelectionPolicy> _byGroup;

    public ChannelSelectionPolicySet(IEnumerable<IChannelSelectionPolicy> policies, ChannelSelectionOptions? options)
    {
        Policies = policies.GroupBy(static p => p.Name, StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(static g => g.Key, static g => g.Last(), StringComparer.OrdinalIgnoreCase);
        DefaultPolicy = Resolve(options?.Policy) ?? Policies[ChannelSelectionPolicies.Default];
        _byGroup = (options?.Groups ?? new Dictionary<string, string>())
            .Select(g => (g.Key, Policy: Resolve(g.Value)))
            .Where(static g => g.Policy is not null)
            .ToFrozenDictionary(static g => g.Key, static g => g.Policy!, StringComparer.Ordinal);
    }

    /// <summary>Gets the registered policies by name (case-insensitive).</summary>
    public FrozenDictionary<string, IChannelSelectionPolicy> Policies { get; }

    /// <summary>Gets the policy of groups that name none.</summary>
    public IChannelSelectionPolicy DefaultPolicy { get; }

    /// <summary>Returns the policy that chooses among <paramref name="group"/>'s channels.</summary>
    public IChannelSelectionPolicy For(string group) => _byGroup.TryGetValue(group, out var policy) ? policy : DefaultPolicy;

    /// <summary>Returns the built-in policies.</summary>
    public static IChannelSelectionPolicy[] BuiltIn() =>
        [WeightedRandomSelectionPolicy.Instance, new RoundRobinSelectionPolicy(), new LeastBusySelectionPolicy(), new LowestLatencySelectionPolicy()];

    private IChannelSelectionPolicy? Resolve(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : Policies.GetValueOrDefault(name.Trim());
}
