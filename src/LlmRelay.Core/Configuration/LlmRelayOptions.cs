using LlmRelay.Concurrency;
using LlmRelay.Diagnostics;
using LlmRelay.Health;
using LlmRelay.Pricing;

namespace LlmRelay.Configuration;

/// <summary>Options for LlmRelay, usually bound to the <c>LlmRelay</c> configuration section.</summary>
public sealed class LlmRelayOptions
{
    /// <summary>Gets the channels declared in configuration; they are synced into the store at start.</summary>
    public IList<ChannelOptions> Channels { get; init; } = [];

    /// <summary>Gets the gateway keys declared in configuration; they are synced into the store at start.</summary>
    public IList<TokenOptions> Tokens { get; init; } = [];

    /// <summary>Gets global model aliases: a caller's model name mapped to the name channels are indexed by (<c>LlmRelay:ModelAliases:{alias}</c>).</summary>
    /// <remarks>Applied before channel selection; a channel's own <see cref="ChannelOptions.ModelMapping"/> then maps the result to its upstream name.</remarks>
    public IDictionary<string, string> ModelAliases { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the model-family fallbacks: a name pattern (<c>gpt-*</c>, <c>claude-*</c>, <c>o*</c>) mapped to the model that serves names of that family no channel serves and no alias names (<c>LlmRelay:ModelFamilies:{pattern}</c>).</summary>
    /// <remarks>
    /// A pattern is a prefix followed by one trailing <c>*</c>, matched without regard to case; when several match, the
    /// longest wins. Resolution order (see <see cref="Selection.ModelResolver"/>): a model some channel of the caller's
    /// group serves, then <see cref="ModelAliases"/>, then these families, else the request fails with 404
    /// <c>model_not_found</c>. Empty by default: nothing is redirected unless configured.
    /// </remarks>
    public IDictionary<string, string> ModelFamilies { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the <c>max_tokens</c> an Anthropic upstream receives when the caller set none.</summary>
    /// <remarks>
    /// Anthropic's Messages API requires <c>max_tokens</c>; callers of <c>/v1/messages</c> may omit it (as seed-ds2api.md
    /// documents) and OpenAI, Gemini or Responses callers routed to an Anthropic channel often do. The value is written
    /// into the body sent to Anthropic channels only; other upstreams get the caller's body without a limit added.
    /// </remarks>
    /// <value>The default value is 8192.</value>
    public int AnthropicDefaultMaxTokens { get; set; } = 8192;

    /// <summary>Gets or sets the largest request body the relay accepts, in bytes.</summary>
    /// <value>The default value is 32 MiB.</value>
    public long MaxRequestBodySize { get; set; } = 32 * 1024 * 1024;

    /// <summary>Gets or sets the largest file a multipart upload (<c>/v1/images/edits</c>: <c>image</c>, <c>mask</c>; <c>/v1/audio/transcriptions</c> and <c>/translations</c>: <c>file</c>) may carry, in bytes.</summary>
    /// <remarks>A larger file is answered 413 in the caller's shape and nothing is sent upstream; the whole body is bounded by <see cref="MaxRequestBodySize"/> too (issue #17).</remarks>
    /// <value>The default value is 25 MiB.</value>
    public long MaxUploadFileSize { get; set; } = 25 * 1024 * 1024;

    /// <summary>Gets or sets the largest request body the management API (<c>/api</c>), the admin API (<c>/admin</c>) and the dashboard's forms accept, in bytes.</summary>
    /// <remarks>
    /// Enforced while the body is read, so it bounds bodies sent without <c>Content-Length</c> (chunked) too; a larger body
    /// is answered 413 in the route's own error shape. Management bodies are small JSON objects (a channel with many
    /// keys or a long model list is tens of kilobytes), so the default leaves ample room.
    /// </remarks>
    /// <value>The default value is 1 MiB.</value>
    public long MaxManagementRequestBodySize { get; set; } = 1024 * 1024;

    /// <summary>Gets or sets the largest non-streamed upstream answer the relay buffers, in bytes.</summary>
    /// <value>The default value is 64 MiB.</value>
    public long MaxResponseBodySize { get; set; } = 64 * 1024 * 1024;

    /// <summary>Gets or sets whether upstream calls carry the caller's W3C trace context (<c>traceparent</c>) and are traced as HTTP client spans.</summary>
    /// <remarks>
    /// Off by default: upstreams are mostly third-party providers that have no use for the gateway's trace ids, and
    /// HttpClient's per-call diagnostics (an <see cref="System.Diagnostics.Activity"/>, its tags and the injected header)
    /// are a tenth of what a relayed call allocates. Turn it on when the upstreams are your own traced services.
    /// </remarks>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool PropagateTraceContext { get; set; }

    /// <summary>Gets or sets the cross-origin (CORS) options of the relay endpoints (section <c>LlmRelay:Cors</c>).</summary>
    /// <value>The default value is a <see cref="RelayCorsOptions"/> allowing any origin with the built-in headers.</value>
    public RelayCorsOptions Cors { get; set; } = new();

    /// <summary>Gets or sets the address policy for calls to channels' upstreams (section <c>LlmRelay:Outbound</c>).</summary>
    /// <value>The default value is an <see cref="OutboundOptions"/> that refuses internal addresses.</value>
    public OutboundOptions Outbound { get; set; } = new();

    /// <summary>Gets or sets how many channels a request tries before it fails.</summary>
    /// <value>The default value is 3.</value>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Gets or sets how long to wait for an upstream TCP/TLS connection.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long to wait for the upstream's response headers.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan FirstByteTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how long a streamed answer may stay silent between two chunks.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how many usage-log rows may wait in memory before <see cref="UsageLogQueueFullMode"/> applies.</summary>
    /// <value>The default value is 100,000.</value>
    public int UsageLogQueueCapacity { get; set; } = 100_000;

    /// <summary>Gets or sets what happens when <see cref="UsageLogQueueCapacity"/> rows wait: new calls wait for room (no row is ever lost), or rows are dropped.</summary>
    /// <value>The default value is <see cref="UsageLogQueueFullMode.Wait"/>.</value>
    public UsageLogQueueFullMode UsageLogQueueFullMode { get; set; } = UsageLogQueueFullMode.Wait;

    /// <summary>Gets or sets how long a new call waits for room in a full usage-log queue before it is refused with 503 (<see cref="UsageLogQueueFullMode.Wait"/> only).</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan UsageLogQueueWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the largest batch of usage-log rows written in one transaction.</summary>
    /// <value>The default value is 500.</value>
    public int UsageLogBatchSize { get; set; } = 500;

    /// <summary>Gets or sets the per-key circuit breaker options (section <c>LlmRelay:Health</c>).</summary>
    /// <value>The default value is a <see cref="ChannelHealthOptions"/> with its documented defaults.</value>
    public ChannelHealthOptions Health { get; set; } = new();

    /// <summary>Gets or sets the in-flight limits and wait queue options (section <c>LlmRelay:Concurrency</c>).</summary>
    /// <value>The default value is a <see cref="ConcurrencyOptions"/> with its documented defaults: no limits.</value>
    public ConcurrencyOptions Concurrency { get; set; } = new();

    /// <summary>Gets or sets how reservations held by a gateway instance that died are found and returned (section <c>LlmRelay:Quota</c>).</summary>
    /// <value>The default value is a <see cref="QuotaOptions"/> with a 15-second heartbeat and a 2-minute lease.</value>
    public QuotaOptions Quota { get; set; } = new();

    /// <summary>Gets or sets how asynchronous upstream tasks (video generations) are polled and when they time out (section <c>LlmRelay:Tasks</c>).</summary>
    /// <value>The default value is a <see cref="TaskOptions"/> polling from every 10 seconds up to every 2 minutes, failing a task after 2 hours.</value>
    public TaskOptions Tasks { get; set; } = new();

    /// <summary>Gets or sets how long a finished <c>/v1/responses</c> body stays readable through <c>GET /v1/responses/{id}</c>.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan ResponseStoreTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets model prices, group ratios and the unknown-model ratio (section <c>LlmRelay:Pricing</c>).</summary>
    /// <value>The default value is a <see cref="PricingOptions"/> with no overrides: the built-in price table, every group at ratio 1.</value>
    public PricingOptions Pricing { get; set; } = new();

    /// <summary>Gets or sets corrections to the model capability table that conversions consult: reasoning, output limits, sampling parameters (section <c>LlmRelay:ModelCapabilities</c>).</summary>
    /// <value>The default value is a <see cref="ModelCapabilityOptions"/> with no entries: the built-in table for every channel.</value>
    public ModelCapabilityOptions ModelCapabilities { get; set; } = new();

    /// <summary>Gets or sets how a channel is chosen inside a priority tier, for all groups or per group (section <c>LlmRelay:Selection</c>).</summary>
    /// <value>The default value is a <see cref="ChannelSelectionOptions"/> choosing by weighted random pick everywhere.</value>
    public ChannelSelectionOptions Selection { get; set; } = new();

    /// <summary>Gets or sets whether, and for how long, calls of one session go first to the channel and key that served it last (section <c>LlmRelay:SessionAffinity</c>).</summary>
    /// <value>The default value is a <see cref="SessionAffinityOptions"/> that is on, remembering up to 100000 sessions for 1 hour each.</value>
    public SessionAffinityOptions SessionAffinity { get; set; } = new();

    /// <summary>Gets or sets the record of recent upstream exchanges for debugging a channel (section <c>LlmRelay:Captures</c>).</summary>
    /// <value>The default value is an <see cref="UpstreamCaptureOptions"/> that records nothing (off), keeping 20 exchanges and 64 KiB per body when turned on.</value>
    public UpstreamCaptureOptions Captures { get; set; } = new();

    /// <summary>Gets or sets the requests-per-minute and tokens-per-minute limits per key, user, group and model (section <c>LlmRelay:RateLimits</c>).</summary>
    /// <value>The default value is a <see cref="RateLimiting.RateLimitOptions"/> with no limit.</value>
    public RateLimiting.RateLimitOptions RateLimits { get; set; } = new();
}
