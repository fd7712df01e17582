using LlmRelay.Channels;

namespace LlmRelay.Configuration;

/// <summary>A channel declared in configuration, such as <c>LlmRelay:Channels:0</c>.</summary>
public sealed class ChannelOptions
{
    /// <summary>Gets or sets the unique channel name; configuration sync matches channels by it.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the provider type, one of <see cref="ChannelTypes"/>.</summary>
    /// <value>The default value is <c>"openai"</c>.</value>
    public string Type { get; set; } = ChannelTypes.OpenAI;

    /// <summary>Gets or sets the upstream base URL, with or without the trailing <c>/v1</c>.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Gets the upstream API keys.</summary>
    public IList<string> Keys { get; init; } = [];

    /// <summary>Gets the models the channel serves.</summary>
    public IList<string> Models { get; init; } = [];

    /// <summary>Gets the mapping from the model name callers use to the name sent upstream.</summary>
    public IDictionary<string, string> ModelMapping { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the comma-separated groups.</summary>
    /// <value>The default value is <c>"default"</c>.</value>
    public string Group { get; set; } = RelayGroups.Default;

    /// <summary>Gets or sets the priority; higher tiers are tried first.</summary>
    public long Priority { get; set; }

    /// <summary>Gets or sets the weight inside a priority tier.</summary>
    /// <value>The default value is 1.</value>
    public int Weight { get; set; } = 1;

    /// <summary>Gets or sets a value indicating whether the channel is enabled.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how long to wait for a TCP/TLS connection to this channel's upstream.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="LlmRelayOptions.ConnectTimeout"/> applies.</value>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>Gets or sets how long to wait for this channel's response headers (and, for a stream, its first chunk).</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="LlmRelayOptions.FirstByteTimeout"/> applies.</value>
    public TimeSpan? FirstByteTimeout { get; set; }

    /// <summary>Gets or sets how long a stream from this channel may stay silent between two chunks; a stream that keeps producing is never cut.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="LlmRelayOptions.IdleTimeout"/> applies.</value>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>Gets or sets whether tool calls the channel's models write as text reach callers as structured tool calls (the tool-call sieve).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ToolCallSieve { get; set; }
}
