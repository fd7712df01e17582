using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LlmRelay.Concurrency;
using LlmRelay.Configuration;
using LlmRelay.Health;
using LlmRelay.Internal;
using LlmRelay.Pricing;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Client;

/// <summary>An <see cref="IChatClient"/> that relays in process: the same channel selection, failover, health, concurrency and metering as the HTTP endpoints, without an HTTP hop through the gateway.</summary>
/// <remarks>
/// <code>
/// messages + ChatOptions ─► OpenAI Chat body (pivot) ─► select channel (group, model) ─► key (health) ─► concurrency lease
///   ─► chat-client channel: the keyed IChatClient, called directly
///   ─► HTTP channel: converted to its family, sent with the shared UpstreamInvoker
///        │ connect error, timeout, 401/403/408/429/5xx, or a stream failing before its first update: next channel
///        │ other 4xx: RelayChatClientException with the upstream's status
///   ─► answer ─► ChatResponse / ChatResponseUpdate values ─► one usage-log row per call (quota settled with it)
/// </code>
/// <para>
/// Called with a gateway key (<see cref="RelayChatClientOptions.TokenKey"/>) whose quota is limited, a call first reserves
/// an upper bound of its cost (estimated prompt plus <see cref="ChatOptions.MaxOutputTokens"/>, or 1024 tokens) with one
/// conditional update, exactly as the HTTP relay does, so concurrent calls can never overdraw the key; the call's usage-log
/// row then settles the reservation to the real charge exactly once. A call the remaining quota does not cover throws
/// <see cref="RelayChatClientException"/> with <see cref="RelayChatClientException.StatusCode"/> 429 and
/// <see cref="RelayChatClientException.ErrorCode"/> <c>insufficient_quota</c> before anything is sent upstream, and is not logged.
/// </para>
/// <para>
/// Failover happens only before the first update is yielded; after that an upstream failure throws
/// <see cref="RelayChatClientException"/>. Cancelling cancels the upstream call; a cancelled stream is still logged
/// and billed for the usage the upstream reported. Resolve it with <c>sp.GetRequiredService&lt;RelayChatClient&gt;()</c>
/// (configured by <c>RelayChatClientOptions</c>) or <c>sp.GetRelayChatClient(tokenKey)</c>.
/// </para>
/// <para>Thread-safe: one instance serves any number of concurrent calls. Disposing does nothing; the relay's services belong to the container.</para>
/// </remarks>
public sealed partial class RelayChatClient : IChatClient
{
    private const int MaxErrorBodySize = 64 * 1024;
    private const string InProcessTokenName = "in-process";

    private readonly IServiceProvider _services;
    private readonly IServiceScopeFactory _scopes;
    private readonly RelayChatClientOptions _options;
    private readonly TokenCache _tokens;
    private readonly ChannelCatalogProvider _catalog;
    private readonly UpstreamInvoker _upstream;
    private readonly UsageLogQueue _logs;
    private readonly ChannelHealthTracker _health;
    private readonly RelayConcurrency _concurrency;
    private readonly ModelPricing _pricing;
    private readonly Tokenization.ITokenCounter _counter;
    private readonly LlmRelayOptions _relayOptions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Initializes a new instance of the <see cref="RelayChatClient"/> class over the relay registered in <paramref name="services"/>.</summary>
    /// <param name="services">The application's service provider, in which <c>AddLlmRelay()</c> was called.</param>
    /// <param name="options">The identity, group and default model; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>services.AddLlmRelay()</c> was not called.</exception>
    public RelayChatClient(IServiceProvider services, RelayChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<LlmRelayMarker>() is null)
        {
            throw new InvalidOperationException("LlmRelay's services are not registered. Call services.AddLlmRelay() before resolving a RelayChatClient.");
        }

        _services = services;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _options = new RelayChatClientOptions
        {
            TokenKey = options?.TokenKey,
            Group = string.IsNullOrWhiteSpace(options?.Group) ? Channels.RelayGroups.Default : options.Group,
            DefaultModel = options?.DefaultModel,
        };
        _tokens = services.GetRequiredService<TokenCache>();
        _catalog = services.GetRequiredService<ChannelCatalogProvider>();
        _upstream = services.GetRequiredService<UpstreamInvoker>();
        _logs = services.GetRequiredService<UsageLogQueue>();
        _health = services.GetRequiredService<ChannelHealthTracker>();
        _concurrency = services.GetRequiredService<RelayConcurrency>();
        _pricing = services.GetRequiredService<ModelPricing>();
        _counter = services.GetRequiredService<Tokenization.ITokenCounter>();
        _relayOptions = services.GetRequiredService<IOptions<LlmRelayOptions>>().Value;
        _time = services.GetRequiredService<TimeProvider>();
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<RelayChatClient>();
        _metadata = new ChatClientMetadata("llmrelay", null, _options.DefaultModel);
    }

    /// <inheritdoc />
    /// <exception cref="RelayChatClientException">No channel could answer, the token may not make the call (status 429, code <c>insufficient_quota</c>, when its quota does not cover it), or the upstream rejected the request.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var call = await BeginAsync(list, options, stream: false, cancellationToken).ConfigureAwait(false);
        try
        {
            return await RelayAsync(call, (channel, keyIndex, model, ct) => TryResponseAsync(call, channel, keyIndex, model, list, options, ct), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            RelayMetering.Finish(call.Log, call.Token, _time, call.Started, _logs);
        }
    }

    /// <inheritdoc />
    /// <exception cref="RelayChatClientException">No channel could answer, the token may not make the call (status 429, code <c>insufficient_quota</c>, when its quota does not cover it), or the upstream failed after the first update.</exception>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var call = await BeginAsync(list, options, stream: true, cancellationToken).ConfigureAwait(false);
        PrimedSource? primed = null;
        var completed = false;
        try
        {
            primed = await RelayAsync(call, (channel, keyIndex, model, ct) => TryStreamAsync(call, channel, keyIndex, model, list, options, ct), cancellationToken).ConfigureAwait(false);
            var update = primed.First;
            while (update is not null)
            {
                yield return update;
                update = await NextAsync(call, primed.Source, cancellationToken).ConfigureAwait(false);
            }

            completed = true;
        }
        finally
        {
            if (primed is not null)
            {
                if (!completed && call.Log.StatusCode == 200)
                {
                    RelayMetering.MarkClientClosed(call.Log); // The consumer stopped reading (or cancelled) mid-stream.
                }

                // Usage is read before disposal (which cancels the upstream): whatever was reported is billed.
                if (primed.Source.Usage is { } usage)
                {
                    RelayMetering.ApplyUsage(call.Log, usage, primed.UpstreamModel, _pricing);
                }
                else if (primed.Source.DataEvents > 0)
                {
                    // No usage came back: estimated exactly as the HTTP relay estimates a stream (RelayMetering.Estimate).
                    var body = primed.RequestBody ?? UpstreamBody(list, options, primed.UpstreamModel, stream: true);
                    var estimated = RelayMetering.Estimate(_counter, primed.UpstreamModel, body, RelayMetering.StreamCompletionTokens(primed.Source.DataEvents));
                    RelayMetering.ApplyEstimatedUsage(call.Log, estimated, primed.UpstreamModel, _pricing);
                }

                await primed.Source.DisposeAsync().ConfigureAwait(false);
            }

            RelayMetering.Finish(call.Log, call.Token, _time, call.Started, _logs);
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Does nothing: the relay's services belong to the container.</summary>
    public void Dispose()
    {
    }

    // Authenticates, resolves the model, and reserves the call's quota; the caller must then finish the call's row exactly once.
    private async ValueTask<RelayCall> BeginAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool stream, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var token = _options.TokenKey is { } key ? await AuthenticateAsync(key, cancellationToken).ConfigureAwait(false) : null;
        var requested = options?.ModelId ?? _options.DefaultModel;
        if (string.IsNullOrEmpty(requested))
        {
            throw new ArgumentException("No model was given: set ChatOptions.ModelId or RelayChatClientOptions.DefaultModel.", nameof(options));
        }

        var routing = requested;
        if (_relayOptions.ModelAliases.Count > 0 && _relayOptions.ModelAliases.TryGetValue(requested, out var aliased) && aliased.Length > 0)
        {
            routing = aliased;
        }

        if (token is not null && !token.AllowsModel(requested) && !token.AllowsModel(routing))
        {
            throw new RelayChatClientException(403, "model_not_allowed", $"This API key may not use the model '{requested}'.");
        }

        var group = token?.Group ?? _options.Group;
        var log = new UsageLog
        {
            CreatedAt = _time.GetUtcNow(),
            UserId = token?.UserId ?? 0,
            TokenId = token?.Id ?? 0,
            TokenName = token?.Name ?? InProcessTokenName,
            ModelName = requested,
            Group = group,
            IsStream = stream,
            Ip = "",
            RequestId = Activity.Current is { } activity ? activity.TraceId.ToString() : Guid.NewGuid().ToString("N"),
        };

        if (token is not null && RelayMetering.Reserves(token))
        {
            // The last step: nothing between a granted reservation and the caller's try/finally can throw.
            var reserve = RelayMetering.EstimateReservation(_pricing, group, requested, routing, EstimatePromptTokens(messages, options), options?.MaxOutputTokens ?? 0);
            var reservation = await RelayMetering.TryReserveAsync(_scopes, token.Id, reserve, cancellationToken).ConfigureAwait(false);
            if (reservation != QuotaReservation.Reserved)
            {
                throw new RelayChatClientException(429, "insufficient_quota", RelayMetering.RefusalMessage(reservation, reserve));
            }

            log.ReservedQuota = reserve;
        }

        return new RelayCall(token, group, routing, log, started);
    }

    // The HTTP relay's estimate (ITokenCounter.EstimateFromBytes of the body) over the text and images the body would carry.
    internal static int EstimatePromptTokens(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        long bytes = options?.Instructions is { } instructions ? System.Text.Encoding.UTF8.GetByteCount(instructions) : 0;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                bytes += content switch
                {
                    TextContent { Text: { } text } => System.Text.Encoding.UTF8.GetByteCount(text),
                    DataContent data when data.HasTopLevelMediaType("image") => ImageBytes(data.Uri.Length), // the mapper sends this data URI (built once, then cached)
                    UriContent uri when uri.HasTopLevelMediaType("image") => ImageBytes(System.Text.Encoding.UTF8.GetByteCount(uri.Uri.ToString())),
                    _ => 0,
                };
            }
        }

        return Tokenization.ITokenCounter.EstimateFromBytes((int)Math.Min(int.MaxValue, bytes));
    }

    // An image part weighs what the HTTP relay's estimate gives the same body (its data URI or URL, bytes / 3), but never less
    // than the flat per-image count of the token counter (SharpTokenCounter.MediaTokens), as a URL alone says nothing of the image.
    private static long ImageBytes(long carried) => Math.Max(carried, 3L * Tokenization.SharpTokenCounter.MediaTokens);

    private async ValueTask<TokenEntry> AuthenticateAsync(string key, CancellationToken cancellationToken)
    {
        var token = await _tokens.FindAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new RelayChatClientException(401, "invalid_api_key", $"Incorrect API key provided: {ApiKeys.Mask(key)}.");
        if (token.Status == TokenStatus.Disabled)
        {
            throw new RelayChatClientException(401, "api_key_disabled", "This API key is disabled.");
        }

        if (!token.UserEnabled)
        {
            throw new RelayChatClientException(403, "user_disabled", "The user who owns this API key is disabled.");
        }

        if (!token.GroupUsable)
        {
            throw new RelayChatClientException(403, "group_not_allowed", token.GroupRefusal());
        }

        if (token.Status == TokenStatus.Expired || (token.ExpiresAt is { } expires && expires <= _time.GetUtcNow()))
        {
            throw new RelayChatClientException(401, "api_key_expired", "This API key has expired.");
        }

        if (!token.UnlimitedQuota && (token.Status == TokenStatus.Exhausted || token.RemainQuota <= 0))
        {
            throw new RelayChatClientException(429, "insufficient_quota", "This API key has used all of its quota.");
        }

        return token;
    }

    // The attempt loop of RelayEndpoint.RelayAsync: never a channel twice, at most MaxAttempts sends.
    private async Task<T> RelayAsync<T>(RelayCall call, Func<ChannelEntry, int, string, CancellationToken, Task<AttemptOutcome<T>>> tryChannel, CancellationToken cancellationToken)
        where T : class
    {
        var log = call.Log;
        var attempts = Math.Max(1, _relayOptions.MaxAttempts);
        var excluded = new List<long>(attempts);
        var made = 0;
        AttemptOutcome<T>? failure = null;
        while (made < attempts)
        {
            var selection = ChannelSelector.Select(_catalog.Current, call.Group, call.RoutingModel, CollectionsMarshal.AsSpan(excluded), out var channel);
            if (selection != ChannelSelectionStatus.Selected)
            {
                if (failure is null)
                {
                    var notFound = selection == ChannelSelectionStatus.ModelNotFound;
                    throw Fail(
                        log,
                        notFound ? 404 : 503,
                        notFound ? "model_not_found" : "no_channel_available",
                        notFound ? $"The model '{call.RoutingModel}' does not exist or no channel serves it." : $"Every channel serving the model '{call.RoutingModel}' is unavailable; try again later.");
                }

                break;
            }

            excluded.Add(channel!.Id);
            if (!channel.Adapter.Supports(RelayOperation.Chat))
            {
                continue;
            }

            var keyIndex = RelayKeys.Acquire(_health, channel);
            if (keyIndex < 0)
            {
                continue; // Every key of this channel is disabled or its breaker is open: not an attempt.
            }

            made++;
            log.ChannelId = channel.Id;
            log.ChannelName = channel.Name;
            var upstreamModel = channel.MapModel(call.RoutingModel);
            var lease = await _concurrency.AcquireAsync(RelayKeys.ConcurrencyKey(channel.Id, keyIndex), cancellationToken, channel.Load).ConfigureAwait(false);
            try
            {
                if (!lease.IsAcquired)
                {
                    throw Fail(log, 429, "concurrency_limit", "The gateway is at its concurrency limit and its wait queue is full.");
                }

                var outcome = await tryChannel(channel, keyIndex, upstreamModel, cancellationToken).ConfigureAwait(false);
                if (outcome.Value is { } value)
                {
                    if (value is PrimedSource primed)
                    {
                        primed.Source.AttachLease(lease); // Held until the stream ends.
                        lease = null;
                    }

                    return value;
                }

                failure = outcome;
                LogAttemptFailed(_logger, channel.Name, outcome.Status, LogText.Escape(outcome.Message) ?? "");
            }
            finally
            {
                lease?.Dispose();
            }
        }

        if (failure is not { } last)
        {
            throw Fail(log, 404, "model_not_found", $"No channel serving the model '{call.RoutingModel}' supports chat.");
        }

        var status = last.Status switch
        {
            429 => 429,
            504 => 504,
            _ => 502,
        };
        throw Fail(log, status, last.Code ?? $"upstream_{last.Status}", $"Upstream error: {last.Message}");
    }

    private static RelayChatClientException Fail(UsageLog log, int status, string code, string message, Exception? inner = null)
    {
        log.StatusCode = status;
        log.Content = message;
        return new RelayChatClientException(status, code, message, inner);
    }

    private async ValueTask<ChatResponseUpdate?> NextAsync(RelayCall call, RelayUpdateSource source, CancellationToken cancellationToken)
    {
        try
        {
            return await source.NextAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            RelayMetering.MarkClientClosed(call.Log);
            throw;
        }
        catch (RelayChatClientException ex)
        {
            // After the first update, failover is impossible: the consumer sees the error.
            call.Log.StatusCode = ex.StatusCode;
            call.Log.Content = ex.Message;
            LogStreamFailed(_logger, call.Log.ChannelName, LogText.Escape(ex.Message)!);
            throw;
        }
    }

    /// <summary>An opened stream and its first update (<see langword="null"/> for an empty stream).</summary>
    /// <remarks><paramref name="RequestBody"/> is the body sent to an HTTP channel (before conversion), or <see langword="null"/> for a chat-client channel.</remarks>
    private sealed record PrimedSource(RelayUpdateSource Source, ChatResponseUpdate? First, string UpstreamModel, byte[]? RequestBody);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "In-process call: channel '{Channel}' failed with {Status}: {Message}; trying the next channel.")]
    private static partial void LogAttemptFailed(ILogger logger, string channel, int status, string message);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "In-process stream from channel '{Channel}' failed after its first update: {Message}.")]
    private static partial void LogStreamFailed(ILogger logger, string channel, string message);
}
