using LlmRelay.Formats.Conversion;

namespace LlmRelay.Channels;

/// <summary>An upstream provider endpoint that LlmRelay can route requests to.</summary>
/// <remarks>
/// A channel serves every model in <see cref="Models"/> plus every alias in <see cref="ModelMapping"/>.
/// Instances are mutable entities owned by a store; the relay hot path never reads them directly but
/// works on an immutable snapshot built from them.
/// </remarks>
public sealed class RelayChannel
{
    /// <summary>Gets or sets the store-assigned identifier.</summary>
    public long Id { get; set; }

    /// <summary>Gets or sets the unique display name of the channel.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the provider type, one of <see cref="ChannelTypes"/>.</summary>
    /// <value>The default value is <see cref="ChannelTypes.OpenAI"/>.</value>
    public string Type { get; set; } = ChannelTypes.OpenAI;

    /// <summary>Gets or sets the upstream base URL, with or without a trailing version segment such as <c>/v1</c>.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Gets or sets the upstream API keys; a request uses one of them.</summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>Gets or sets how many of <see cref="Keys"/> the store could not decrypt when it read the channel; not stored.</summary>
    /// <remarks>
    /// Non-zero when the Data Protection key ring that encrypted the keys is missing (for example after a restart
    /// without the persisted ring). Such keys stay in <see cref="Keys"/> in their stored, encrypted form, so saving the
    /// channel keeps them for when the ring is restored; the relay never selects the channel and never sends them.
    /// </remarks>
    public int UnreadableKeyCount { get; set; }

    /// <summary>Gets or sets the model names the channel serves.</summary>
    public List<string> Models { get; set; } = [];

    /// <summary>Gets or sets the mapping from a model name callers use to the name sent upstream.</summary>
    public Dictionary<string, string> ModelMapping { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the comma-separated groups the channel belongs to.</summary>
    /// <value>The default value is <c>"default"</c>.</value>
    public string Group { get; set; } = RelayGroups.Default;

    /// <summary>Gets or sets the priority; higher tiers are tried first.</summary>
    public long Priority { get; set; }

    /// <summary>Gets or sets the relative weight inside a priority tier.</summary>
    /// <value>The default value is 1.</value>
    public int Weight { get; set; } = 1;

    /// <summary>Gets or sets the channel status.</summary>
    public ChannelStatus Status { get; set; } = ChannelStatus.Enabled;

    /// <summary>Gets or sets how long to wait for a TCP/TLS connection to this channel's upstream.</summary>
    /// <value>The default value is <see langword="null"/>: <c>LlmRelayOptions.ConnectTimeout</c> applies.</value>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>Gets or sets how long to wait for this channel's response headers (and, for a stream, its first chunk).</summary>
    /// <value>The default value is <see langword="null"/>: <c>LlmRelayOptions.FirstByteTimeout</c> applies.</value>
    public TimeSpan? FirstByteTimeout { get; set; }

    /// <summary>Gets or sets how long a stream from this channel may stay silent between two chunks.</summary>
    /// <value>The default value is <see langword="null"/>: <c>LlmRelayOptions.IdleTimeout</c> applies.</value>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>Gets or sets whether the relay turns tool calls the channel's models write as text into structured tool calls (the tool-call sieve).</summary>
    /// <remarks>
    /// For models without native tool calling that answer <c>{"tool_calls":[{"name":...,"arguments":...}]}</c> in their text.
    /// It applies to chat and Responses calls whose request declares tools; a request with <c>tool_choice</c> "required" whose
    /// answer holds no call gets HTTP 422 <c>tool_choice_violation</c> (see docs/channels.md).
    /// </remarks>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ToolCallSieve { get; set; }

    /// <summary>Gets or sets what the models this channel is sent accept, laid over the gateway's capability table for this channel only.</summary>
    /// <remarks>
    /// Keyed by the model name the channel is sent (after <see cref="ModelMapping"/>) or a name prefix, matched like the price
    /// table's. Each entry is laid over what the name resolves to below it (<c>LlmRelay:ModelCapabilities:Channels:{name}</c>,
    /// then <c>LlmRelay:ModelCapabilities:Models</c>, then the built-in table), property by property. Set through the
    /// management API's <c>model_capabilities</c> field or the dashboard's channel form.
    /// </remarks>
    /// <value>The default value is empty.</value>
    public Dictionary<string, ModelCapability> ModelCapabilities { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets where the channel was declared; <c>"config"</c> for channels synced from configuration.</summary>
    public string? Source { get; set; }

    /// <summary>Gets or sets when the channel was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
