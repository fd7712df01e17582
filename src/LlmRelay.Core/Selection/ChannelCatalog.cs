using System.Collections.Frozen;
using LlmRelay.Channels;
using LlmRelay.Configuration;

namespace LlmRelay.Selection;

/// <summary>An immutable index of channels by group and model, rebuilt whenever channels change.</summary>
/// <remarks>Thread-safe: instances are never mutated after construction.</remarks>
internal sealed class ChannelCatalog
{
    /// <summary>The options whose timeouts apply when a catalog is built without any.</summary>
    internal static readonly LlmRelayOptions DefaultOptions = new();

    public static readonly ChannelCatalog Empty = new([]);

    private readonly FrozenDictionary<string, FrozenDictionary<string, ChannelTier[]>> _index;
    private readonly FrozenDictionary<string, string[]> _modelsByGroup;

    public ChannelCatalog(IEnumerable<RelayChannel> channels, LlmRelayOptions? defaults = null, ChannelSelectionPolicySet? policies = null, ChannelLoadTracker? loads = null)
    {
        defaults ??= DefaultOptions;
        Policies = policies ?? ChannelSelectionPolicySet.Default;
        var entries = channels.Select(c => new ChannelEntry(c, defaults, loads?.For(c.Id))).ToArray();
        Channels = entries;
        UnreadableKeyChannels = [.. entries.Where(static e => e.KeysUnreadable)];
        var byGroup = new Dictionary<string, Dictionary<string, List<ChannelEntry>>>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            foreach (var group in entry.Groups)
            {
                if (!byGroup.TryGetValue(group, out var byModel))
                {
                    byGroup[group] = byModel = new Dictionary<string, List<ChannelEntry>>(StringComparer.Ordinal);
                }

                foreach (var model in entry.Models)
                {
                    if (!byModel.TryGetValue(model, out var list))
                    {
                        byModel[model] = list = [];
                    }

                    list.Add(entry);
                }
            }
        }

        _index = byGroup.ToFrozenDictionary(
            static g => g.Key,
            static g => g.Value.ToFrozenDictionary(
                static m => m.Key,
                static m => m.Value
                    .GroupBy(static c => c.Priority)
                    .OrderByDescending(static t => t.Key)
                    .Select(static t => new ChannelTier(t.Key, [.. t]))
                    .ToArray(),
                StringComparer.Ordinal),
            StringComparer.Ordinal);

        _modelsByGroup = byGroup.ToFrozenDictionary(
            static g => g.Key,
            static g => g.Value.Where(static m => m.Value.Exists(static c => c.Enabled)).Select(static m => m.Key).Order(StringComparer.Ordinal).ToArray(),
            StringComparer.Ordinal);
    }

    public IReadOnlyList<ChannelEntry> Channels { get; }

    /// <summary>Gets the channels whose stored keys could not be decrypted; they are never selected.</summary>
    public IReadOnlyList<ChannelEntry> UnreadableKeyChannels { get; }

    /// <summary>Gets the selection policies and which one each group uses.</summary>
    public ChannelSelectionPolicySet Policies { get; }

    /// <summary>Returns the priority tiers serving <paramref name="model"/> in <paramref name="group"/>, highest first.</summary>
    public ChannelTier[]? Find(string group, string model) =>
        _index.TryGetValue(group, out var byModel) && byModel.TryGetValue(model, out var tiers) ? tiers : null;

    /// <summary>Returns the models served by at least one enabled channel of <paramref name="group"/>, sorted.</summary>
    public IReadOnlyList<string> ModelsOf(string group) =>
        _modelsByGroup.TryGetValue(group, out var models) ? models : [];
}
