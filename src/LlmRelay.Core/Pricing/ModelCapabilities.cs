using System.Collections.Frozen;
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
///   channel layer (Channels:{name}) ── found? ─► it
///   gateway layer (built-in &lt;- Models) ── found? ─► it
///   else null: the conversion leaves parameters as the caller sent them
/// </code>
/// <para>Thread-safe: reads take no lock; a configuration change publishes a new snapshot with <see cref="Volatile.Write{T}(ref T, T)"/>.</para>
/// </remarks>
internal sealed class ModelCapabilities : IDisposable
{
    private static readonly FrozenDictionary<string, ModelNameLookup<ModelCapability>> NoChannels = FrozenDictionary<string, ModelNameLookup<ModelCapability>>.Empty;

    private readonly Dictionary<string, ModelCapability> _defaults = DefaultModelCapabilities.Create();
    private readonly IDisposable? _subscription;
    private Snapshot _snapshot;

    public ModelCapabilities(IOptionsMonitor<LlmRelayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _snapshot = Build(options.CurrentValue.ModelCapabilities);
        _subscription = options.OnChange((o, _) => Volatile.Write(ref _snapshot, Build(o.ModelCapabilities)));
    }

    /// <summary>Returns what <paramref name="model"/> accepts when sent through the channel named <paramref name="channel"/>, or <see langword="null"/> when not known.</summary>
    public ModelCapability? Resolve(string channel, string model)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.Channels.Count > 0 && snapshot.Channels.TryGetValue(channel, out var own) && own.TryFindWithProvider(model, out var capability))
        {
            return capability;
        }

        return snapshot.Models.TryFindWithProvider(model, out capability) ? capability : null;
    }

    public void Dispose() => _subscription?.Dispose();

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

    private sealed record Snapshot(ModelNameLookup<ModelCapability> Models, FrozenDictionary<string, ModelNameLookup<ModelCapability>> Channels);
}
