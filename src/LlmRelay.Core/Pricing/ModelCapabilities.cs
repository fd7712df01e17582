using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using LlmRelay.Configuration;
using LlmRelay.Formats.Conversion;
using Microsoft.Extensions.Options;

namespace LlmRelay.Pricing;

/// <summary>Resolves what the model a channel is sent accepts, from the built-in table and <c>LlmRelay:ModelCapabilities</c>.</summary>
/// <remarks>
/// <para>
/// The table sits beside the prices and matches names the same way (<see cref="ModelNameLookup{T}"/>, then after the last
/// <c>/</c>). A configured entry is laid over what its own name resolves to below it, at build time, so a lookup is one
/// search and allocates nothing:
/// </para>
/// <code>
///   the channel's own overrides (RelayChannel.ModelCapabilities) ── found? ─► it
///   channel layer (Channels:{name}) ── found? ─► it
///   gateway layer (built-in &lt;- Models) ── found? ─► it
///   else null: the conversion leaves parameters as the caller sent them
/// </code>
/// <para>
/// A channel's own overrides are laid over the layers below the first time a request resolves them against a snapshot,
/// and kept beside them (a <see cref="ConditionalWeakTable{TKey, TValue}"/> on the overrides, which the channel catalog
/// rebuilds when the channel changes): later lookups allocate nothing.
/// </para>
/// <para>Thread-safe: reads take no lock; a configuration change publishes a new snapshot with <see cref="Volatile.Write{T}(ref T, T)"/>.</para>
/// </remarks>
internal sealed class ModelCapabilities : IDisposable
{
    private static readonly FrozenDictionary<string, ModelNameLookup<ModelCapability>> NoChannels = FrozenDictionary<string, ModelNameLookup<ModelCapability>>.Empty;

    private readonly Dictionary<string, ModelCapability> _defaults = DefaultModelCapabilities.Create();
    private readonly IDisposable? _subscription;
    private readonly ConditionalWeakTable<IReadOnlyDictionary<string, ModelCapability>, Layered> _own = [];
    private Snapshot _snapshot;

    public ModelCapabilities(IOptionsMonitor<LlmRelayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _snapshot = Build(options.CurrentValue.ModelCapabilities);
        _subscription = options.OnChange((o, _) => Volatile.Write(ref _snapshot, Build(o.ModelCapabilities)));
    }

    /// <summary>Returns what <paramref name="model"/> accepts when sent through the channel named <paramref name="channel"/>, or <see langword="null"/> when not known.</summary>
    public ModelCapability? Resolve(string channel, string model) => Resolve(Volatile.Read(ref _snapshot), channel, model);

    /// <summary>As <see cref="Resolve(string, string)"/>, with the channel's own overrides (<see cref="Channels.RelayChannel.ModelCapabilities"/>) on top.</summary>
    public ModelCapability? Resolve(string channel, string model, IReadOnlyDictionary<string, ModelCapability>? own)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (own is not null)
        {
            if (!_own.TryGetValue(own, out var layered) || !ReferenceEquals(layered.Below, snapshot))
            {
                layered = LayerOwn(snapshot, channel, own);
            }

            if (layered.Lookup.TryFindWithProvider(model, out var capability))
            {
                return capability;
            }
        }

        return Resolve(snapshot, channel, model);
    }

    public void Dispose() => _subscription?.Dispose();

    private static ModelCapability? Resolve(Snapshot snapshot, string channel, string model)
    {
        if (snapshot.Channels.Count > 0 && snapshot.Channels.TryGetValue(channel, out var own) && own.TryFindWithProvider(model, out var capability))
        {
            return capability;
        }

        return snapshot.Models.TryFindWithProvider(model, out capability) ? capability : null;
    }

    /// <summary>Lays <paramref name="top"/> over <paramref name="below"/>, property by property.</summary>
    internal static ModelCapability Over(ModelCapability top, ModelCapability? below) => below is null ? top : new ModelCapability
    {
        Reasoning = top.Reasoning != ReasoningControl.Unspecified ? top.Reasoning : below.Reasoning,
        MaxOutputTokens = top.MaxOutputTokens ?? below.MaxOutputTokens,
        DefaultOutputTokens = top.DefaultOutputTokens ?? below.DefaultOutputTokens,
        SamplingWithReasoning = top.SamplingWithReasoning ?? below.SamplingWithReasoning,
        TemperatureOrTopP = top.TemperatureOrTopP ?? below.TemperatureOrTopP,
    };

    private Snapshot Build(ModelCapabilityOptions? options)
    {
        var defaults = new ModelNameLookup<ModelCapability>(_defaults);
        var models = Layer(_defaults, defaults, options?.Models);
        var lookup = ReferenceEquals(models, _defaults) ? defaults : new ModelNameLookup<ModelCapability>(models);
        if (options?.Channels is not { Count: > 0 } channels)
        {
            return new Snapshot(lookup, NoChannels);
        }

        var perChannel = new Dictionary<string, ModelNameLookup<ModelCapability>>(StringComparer.Ordinal);
        foreach (var (channel, entries) in channels)
        {
            if (entries is { Count: > 0 })
            {
                perChannel[channel] = new ModelNameLookup<ModelCapability>(Layer(new Dictionary<string, ModelCapability>(StringComparer.OrdinalIgnoreCase), lookup, entries));
            }
        }

        return new Snapshot(lookup, perChannel.ToFrozenDictionary(StringComparer.Ordinal));
    }

    // Each entry of `layer` laid over what its name resolves to in `below`, added to `table` (copied first when it is the defaults).
    private Dictionary<string, ModelCapability> Layer(Dictionary<string, ModelCapability> table, ModelNameLookup<ModelCapability> below, IDictionary<string, ModelCapability>? layer)
    {
        if (layer is not { Count: > 0 })
        {
            return table;
        }

        var result = ReferenceEquals(table, _defaults) ? new Dictionary<string, ModelCapability>(table, StringComparer.OrdinalIgnoreCase) : table;
        foreach (var (name, capability) in layer)
        {
            if (capability is not null && name.Length > 0)
            {
                result[name] = Over(capability, below.TryFindWithProvider(name, out var under) ? under : null);
            }
        }

        return result;
    }

    // The channel's own entries, each laid over what its name resolves to in the snapshot for that channel; kept for the overrides.
    private Layered LayerOwn(Snapshot snapshot, string channel, IReadOnlyDictionary<string, ModelCapability> own)
    {
        var table = new Dictionary<string, ModelCapability>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, capability) in own)
        {
            if (capability is not null && name.Length > 0)
            {
                table[name] = Over(capability, Resolve(snapshot, channel, name));
            }
        }

        var layered = new Layered(snapshot, new ModelNameLookup<ModelCapability>(table));
        _own.AddOrUpdate(own, layered);
        return layered;
    }

    private sealed record Layered(Snapshot Below, ModelNameLookup<ModelCapability> Lookup);

    private sealed record Snapshot(ModelNameLookup<ModelCapability> Models, FrozenDictionary<string, ModelNameLookup<ModelCapability>> Channels);
}
