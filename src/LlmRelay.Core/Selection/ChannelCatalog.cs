using System.Collections.Frozen;
using LlmRelay.Channels;
using LlmRelay.Configuration;

namespace LlmRelay.Selection;

/// <summary>An immutable index of channels by group and model, rebuilt whenever channels change.</summary>
/// <remarks>Thread-safe: instances are never mutated after construction. Read the current one from <see cref="ChannelCatalogProvider.Current"/>.</remarks>
public sealed class ChannelCatalog
{
    /// <summary>The options whose timeouts apply when a catalog is built without any.</summary>
    internal static readonly LlmRelayOptions DefaultOptions = new();

    internal static readonly ChannelCatalog Empty = new([]);

    private readonly FrozenDictionary<string, FrozenDictionary<string, ChannelTier[]>> _index;
    private readonly FrozenDictionary<string, string[]> _modelsByGroup;

    internal ChannelCatalog(IEnumerable<RelayChannel> channels, LlmRelayOptions? defaults = null, ChannelSelectionPolicySet? policies = null, ChannelLoadTracker? loads = null)
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

    internal IReadOnlyList<ChannelEntry> Channels { get; }

    /// <summary>Gets the channels whose stored keys could not be decrypted; they are never selected.</summary>
    internal IReadOnlyList<ChannelEntry> UnreadableKeyChannels { get; }

    /// <summary>Gets the selection policies and which one each group uses.</summary>
    internal ChannelSelectionPolicySet Policies { get; }

    /// <summary>Returns the priority tiers serving <paramref name="model"/> in <paramref name="group"/>, highest first.</summary>
    internal ChannelTier[]? Find(string group, string model) =>
        _index.TryGetValue(group, out var byModel) && byModel.TryGetValue(model, out var tiers) ? tiers : null;

    /// <summary>Returns whether any channel of <paramref name="group"/>, enabled or not, lists <paramref name="model"/>.</summary>
    /// <param name="group">The group.</param>
    /// <param name="model">The model, as callers name it.</param>
    /// <returns><see langword="true"/> when the catalog knows the model in the group.</returns>
    public bool Contains(string group, string model) => Find(group, model) is not null;

    /// <summary>Returns the channel type (<c>openai</c>, <c>anthropic</c>, ...) of the first channel of the highest-priority tier serving <paramref name="model"/> in <paramref name="group"/>.</summary>
    /// <param name="group">The group.</param>
    /// <param name="model">The model, as callers name it.</param>
    /// <returns>The type, or <see langword="null"/> when no channel serves the model in the group.</returns>
    public string? ChannelTypeOf(string group, string model) =>
        Find(group, model) is { Length: > 0 } tiers && tiers[0].Channels.Length > 0 ? tiers[0].Channels[0].Type : null;

    /// <summary>Returns the models served by at least one enabled channel of <paramref name="group"/>, sorted.</summary>
    /// <param name="group">The group.</param>
    /// <returns>The model names.</returns>
    public IReadOnlyList<string> ModelsOf(string group) =>
        _modelsByGroup.TryGetValue(group, out var models) ? models : [];
}
