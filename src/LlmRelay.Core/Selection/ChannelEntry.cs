using System.Collections.Frozen;
using LlmRelay.Channels;
using LlmRelay.Configuration;
using LlmRelay.Formats.Conversion;
using LlmRelay.Providers;

namespace LlmRelay.Selection;

/// <summary>An immutable, routing-ready view of a <see cref="RelayChannel"/>.</summary>
internal sealed class ChannelEntry
{
    private readonly string[] _keys;
    private readonly FrozenDictionary<string, string> _modelMapping;
    private readonly Uri[]? _operationUris;
    private readonly LlmRelayOptions _defaults;
    private readonly TimeSpan? _connectTimeout;
    private readonly TimeSpan? _firstByteTimeout;
    private readonly TimeSpan? _idleTimeout;
    private int _keyCursor = -1;

    public ChannelEntry(RelayChannel channel)
        : this(channel, ChannelCatalog.DefaultOptions)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ChannelEntry"/> class, resolving the channel's timeouts against <paramref name="defaults"/>.</summary>
    /// <remarks>
    /// <paramref name="defaults"/> is read on every call, not copied: a global timeout changed at run time (<c>PUT /admin/settings</c>)
    /// applies to the next request without a rebuilt catalog. A channel whose stored keys could not be decrypted
    /// (<see cref="RelayChannel.UnreadableKeyCount"/>) gets no keys and is not enabled, so it never sends a request without its key.
    /// </remarks>
    public ChannelEntry(RelayChannel channel, LlmRelayOptions defaults, ChannelLoad? load = null)
    {
        Id = channel.Id;
        Load = load ?? new ChannelLoad();
        Name = channel.Name;
        Type = channel.Type;
        Priority = channel.Priority;
        Weight = Math.Max(channel.Weight, 0);
        KeysUnreadable = channel.UnreadableKeyCount > 0;
        Enabled = channel.Status == ChannelStatus.Enabled && !KeysUnreadable;
        _keys = KeysUnreadable ? [] : [.. channel.Keys.Where(static k => !string.IsNullOrWhiteSpace(k)).Select(static k => k.Trim())];
        _modelMapping = channel.ModelMapping.ToFrozenDictionary(StringComparer.Ordinal);
        Adapter = ProviderAdapter.For(channel.Type);
        BaseUrl = Adapter.NormalizeBaseUrl(channel.BaseUrl);
        if (Adapter.Format == Formats.WireFormat.Anthropic)
        {
            _operationUris = [UpstreamUrls.Combine(BaseUrl, "messages")];
        }
        else if (Adapter is OpenAIAdapter)
        {
            _operationUris = [.. Enum.GetValues<RelayOperation>().Select(op => UpstreamUrls.Combine(BaseUrl, OpenAIAdapter.PathOf(op)))];
        }
        Groups = [.. channel.Group.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        if (Groups.Length == 0)
        {
            Groups = [RelayGroups.Default];
        }

        _defaults = defaults;
        _connectTimeout = channel.ConnectTimeout;
        _firstByteTimeout = channel.FirstByteTimeout;
        _idleTimeout = channel.IdleTimeout;
        ToolCallSieve = channel.ToolCallSieve;
        CapabilityOverrides = channel.ModelCapabilities is { Count: > 0 } own
            ? own.Where(static p => p.Value is not null).ToFrozenDictionary(static p => p.Key, static p => p.Value, StringComparer.OrdinalIgnoreCase)
            : null;

        // Boxed once here, so that a request to a channel with its own connect timeout only adds a reference to its options.
        ConnectTimeoutOverride = channel.ConnectTimeout is { } connect ? connect : null;
        Models = [.. channel.Models.Select(static m => m.Trim()).Where(static m => m.Length > 0).Concat(_modelMapping.Keys).Distinct(StringComparer.Ordinal)];
    }

    public long Id { get; }

    /// <summary>Gets the channel's in-flight count and recent latency on this instance, shared by every catalog built after it.</summary>
    public ChannelLoad Load { get; }

    public string Name { get; }

    public string Type { get; }

    public long Priority { get; }

    public int Weight { get; }

    public bool Enabled { get; }

    /// <summary>Gets whether some of the channel's stored keys could not be decrypted (the Data Protection key ring that protected them is missing).</summary>
    public bool KeysUnreadable { get; }

    public string BaseUrl { get; }

    /// <summary>Gets the adapter for the channel's provider type.</summary>
    public ProviderAdapter Adapter { get; }

    /// <summary>Returns the precomputed URL of an operation whose URL does not depend on the model.</summary>
    public Uri OperationUri(RelayOperation operation) => _operationUris![(int)operation];

    public string[] Groups { get; }

    /// <summary>Gets how long to wait for a TCP/TLS connection: the channel's own value, else the global option.</summary>
    public TimeSpan ConnectTimeout => _connectTimeout ?? _defaults.ConnectTimeout;

    /// <summary>Gets how long to wait for the response headers (and a stream's first chunk): the channel's own value, else the global option.</summary>
    public TimeSpan FirstByteTimeout => _firstByteTimeout ?? _defaults.FirstByteTimeout;

    /// <summary>Gets how long a stream may stay silent between two chunks: the channel's own value, else the global option.</summary>
    public TimeSpan IdleTimeout => _idleTimeout ?? _defaults.IdleTimeout;

    /// <summary>Gets whether tool calls the channel's models write as text are turned into structured calls (<see cref="RelayChannel.ToolCallSieve"/>).</summary>
    public bool ToolCallSieve { get; }

    /// <summary>Gets the channel's own model capability overrides (<see cref="RelayChannel.ModelCapabilities"/>), or <see langword="null"/> when it has none.</summary>
    public IReadOnlyDictionary<string, ModelCapability>? CapabilityOverrides { get; }

    /// <summary>Gets the channel's own connect timeout as a boxed <see cref="TimeSpan"/>, or <see langword="null"/> when the global one applies.</summary>
    public object? ConnectTimeoutOverride { get; }

    public string[] Models { get; }

    /// <summary>Gets the keys, so that error messages can be scrubbed of them.</summary>
    public ReadOnlySpan<string> Keys => _keys;

    /// <summary>Gets the number of usable keys; a channel without keys (e.g. a local server) has one empty key.</summary>
    public int KeyCount => Math.Max(1, _keys.Length);

    /// <summary>Returns the key at <paramref name="index"/>, or an empty string when the channel has none.</summary>
    public string KeyAt(int index) => _keys.Length == 0 ? "" : _keys[index];

    /// <summary>Returns where the next round-robin pass over the keys starts.</summary>
    public int NextKeyStart() => (int)((uint)Interlocked.Increment(ref _keyCursor) % (uint)KeyCount);

    /// <summary>Returns the next key, round-robin, or an empty string when the channel has none.</summary>
    public string NextKey()
    {
        if (_keys.Length == 0)
        {
            return "";
        }

        var next = (uint)Interlocked.Increment(ref _keyCursor);
        return _keys[next % (uint)_keys.Length];
    }

    /// <summary>Returns the model name to send upstream for <paramref name="model"/>.</summary>
    public string MapModel(string model) => _modelMapping.TryGetValue(model, out var mapped) && mapped.Length > 0 ? mapped : model;
}
