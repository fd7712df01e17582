using System.Runtime.InteropServices;
using LlmRelay.Client;
using LlmRelay.Concurrency;
using LlmRelay.Configuration;
using LlmRelay.Formats.Internal;
using LlmRelay.Health;
using LlmRelay.Internal;
using LlmRelay.Pricing;
using LlmRelay.Providers;
using LlmRelay.RateLimiting;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokenization;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Pipeline;

/// <summary>The relay's central procedure, written once: reserve quota, select a channel and key, take a concurrency slot, adapt the body, send, classify a failure, fail over, settle, log.</summary>
/// <remarks>
/// <code>
/// adapter (HTTP endpoint, RelayChatClient) ─► authenticated caller + RelayRequest
///   BeginAsync: model allowed? ─► usage-log row ─► quota reservation (one conditional update)
///   NextAttemptAsync, at most MaxAttempts sends, never a channel twice:
///     ChannelSelector (group, model, selection policy) ─► RelayPlan (pass through or convert) ─► key (health, breaker)
///     ─► RelayContent.Adapt ─► concurrency slot ─► UpstreamSender.SendAsync (the one send)
///        │ connect error, timeout, 401/403/408/429/5xx (ChannelFailureClassifier): health report, next channel
///        │ other 4xx: the caller's own error, no failover
///     ─► RelayAttempt: 2xx, headers read ─► the adapter reads and renders the answer, bills through RelayCall
///   RelayCall.Dispose: the row is queued once; it settles the reservation to the real charge
/// </code>
/// The adapters own only their wire: reading and validating the caller's request, rendering answers and errors in the
/// caller's shape. Failover happens only before the answer starts reaching the caller. Thread-safe; one instance per relay,
/// registered by <c>AddLlmRelay()</c>: resolve it from the service provider.
/// </remarks>
public sealed partial class RelayPipeline
{
    private readonly ChannelCatalogProvider catalog;
    private readonly UpstreamSender sender;
    private readonly UsageLogQueue logs;
    private readonly ChannelHealthTracker health;
    private readonly RelayConcurrency concurrency;
    private readonly ModelPricing pricing;
    private readonly ModelCapabilities capabilities;
    private readonly ITokenCounter counter;
    private readonly ISessionAffinityStore affinity;
    private readonly RelayRateLimiter rateLimiter;
    private readonly IServiceScopeFactory scopes;
    private readonly TimeProvider time;
    private readonly ILogger<RelayPipeline> logger;
    private readonly LlmRelayOptions _options;

    // Internal: the pipeline is a singleton that AddLlmRelay() registers; hosts resolve it from DI.
    internal RelayPipeline(
        ChannelCatalogProvider catalog,
        UpstreamSender sender,
        UsageLogQueue logs,
        ChannelHealthTracker health,
        RelayConcurrency concurrency,
        ModelPricing pricing,
        ModelCapabilities capabilities,
        ITokenCounter counter,
        ISessionAffinityStore affinity,
        RelayRateLimiter rateLimiter,
        IServiceScopeFactory scopes,
        IOptions<LlmRelayOptions> options,
        TimeProvider time,
        ILogger<RelayPipeline> logger)
    {
        this.catalog = catalog;
        this.sender = sender;
        this.logs = logs;
        this.health = health;
        this.concurrency = concurrency;
        this.pricing = pricing;
        this.capabilities = capabilities;
        this.counter = counter;
        this.affinity = affinity;
        this.rateLimiter = rateLimiter;
        this.scopes = scopes;
        this.time = time;
        this.logger = logger;
        _options = options.Value;
    }

    private const int MaxErrorBodySize = 64 * 1024;

    internal TimeProvider Time => time;

    internal ModelPricing Pricing => pricing;

    internal ITokenCounter Counter => counter;

    /// <summary>Gets the sender, for adapters that call an in-process chat-client channel themselves.</summary>
    internal UpstreamSender Sender => sender;

    /// <summary>Starts a call: checks the caller may use the model, opens its usage-log row and reserves its quota.</summary>
    /// <param name="request">What is asked.</param>
    /// <param name="started">The <see cref="TimeProvider"/> timestamp at which the adapter received the call.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <returns>The call; when <see cref="RelayCall.Refused"/>, <see cref="RelayCall.Error"/> says why and no row is written.</returns>
    public async ValueTask<RelayCall> BeginAsync(RelayRequest request, long started, CancellationToken cancellationToken)
    {
        var token = request.Token;
        var log = new UsageLog
        {
            CreatedAt = time.GetUtcNow(),
            UserId = token?.UserId ?? 0,
            TokenId = token?.Id ?? 0,
            TokenName = token?.Name ?? request.AnonymousName,
            ModelName = request.RequestedModel,
            Group = request.Group,
            IsStream = request.Stream,
            Ip = request.Ip,
            RequestId = request.RequestId,
        };
        var call = new RelayCall(this, request, log, started, Math.Max(1, _options.MaxAttempts));

        // A served call always gets its row: while the writer is behind, new calls wait here, before anything is reserved or sent.
        if (!await logs.WaitForRoomAsync(time, cancellationToken).ConfigureAwait(false))
        {
            call.Refuse(new RelayError(503, RelayErrorKind.Unavailable, "The gateway is behind on writing its usage log; retry shortly.", "usage_log_backlog"));
            return call;
        }

        if (token is null)
        {
            return call;
        }

        if (!token.AllowsModel(request.RequestedModel) && !token.AllowsModel(request.RoutingModel))
        {
            call.Refuse(new RelayError(403, RelayErrorKind.Permission, $"This API key may not use the model '{request.RequestedModel}'.", "model_not_allowed", "model"));
            return call;
        }

        // Rate limits (issue #18) before the reservation: a refused call reserves, sends and logs nothing.
        if (rateLimiter.RulesFor(request) is { } rules)
        {
            var decision = await rateLimiter.TryAcquireAsync(rules, cancellationToken).ConfigureAwait(false);
            if (!decision.Allowed)
            {
                call.Refuse(new RelayError(429, RelayErrorKind.RateLimited, RelayRateLimiter.RefusalMessage(decision), "rate_limit_exceeded") { RetryAfter = decision.RetryAfter });
                return call;
            }

            call.RateLimitRules = rules;
        }

        if (RelayMetering.Reserves(token))
        {
            // A cheap upper bound, taken before the call from the token (its cap) and its user (the wallet); the row
            // settles it to the real usage exactly once.
            var reserve = RelayMetering.EstimateReservation(pricing, request.Group, request.RequestedModel, request.RoutingModel, request.EstimatedPromptTokens, request.MaxOutputTokens, request.EstimatedUnits, request.Unit, request.UnitVariant);
            var reservation = await RelayMetering.TryReserveAsync(scopes, token.Id, reserve, cancellationToken).ConfigureAwait(false);
            if (reservation != QuotaReservation.Reserved)
            {
                call.Refuse(new RelayError(429, RelayErrorKind.InsufficientQuota, RelayMetering.RefusalMessage(reservation, reserve), "insufficient_quota"));
                return call;
            }

            log.ReservedQuota = reserve;
            call.SessionReserve = reserve;
        }

        return call;
    }

    internal async ValueTask<RelayAttempt?> NextAttemptAsync(RelayCall call, CancellationToken cancellationToken)
    {
        if (call.Error is not null)
        {
            return null;
        }

        var request = call.Request;
        var model = request.RoutingModel;
        var log = call.Log;
        var attempts = Math.Max(1, _options.MaxAttempts);
        if (!call.AffinityLoaded)
        {
            await LoadAffinityAsync(call, cancellationToken).ConfigureAwait(false);
        }

        while (call.Made < attempts)
        {
            var sticky = call.Sticky;
            var selection = ChannelSelector.Select(catalog.Current, request.Group, model, CollectionsMarshal.AsSpan(call.Excluded), out var channel, sticky?.ChannelId ?? 0);
            if (selection != ChannelSelectionStatus.Selected)
            {
                if (call.LastFailure is null)
                {
                    var notFound = selection == ChannelSelectionStatus.ModelNotFound || call.Unservable;
                    var message = call.Unservable
                        ? $"No channel serving the model '{model}' supports this endpoint."
                        : notFound
                            ? $"The model '{model}' does not exist or no channel serves it."
                            : $"Every channel serving the model '{model}' is unavailable; try again later.";
                    call.Fail(notFound ? 404 : 503, notFound ? RelayErrorKind.NotFound : RelayErrorKind.Unavailable, message, notFound ? "model_not_found" : "no_channel_available", "model");
                    return null;
                }

                break;
            }

            call.Excluded.Add(channel!.Id);
            if (RelayPlan.For(request.Operation, request.CallerFormat, channel.Adapter) is not { } plan)
            {
                call.Unservable = true;
                continue; // Not an attempt: this channel cannot serve the call at all.
            }

            call.Unservable = false;
            // The session's own key while it is healthy (provider caches are per account), else the channel's next one.
            var keyIndex = sticky is { } target && target.ChannelId == channel.Id && target.KeyIndex < channel.KeyCount && health.TryAcquire(channel.Id, target.KeyIndex)
                ? target.KeyIndex
                : RelayKeys.Acquire(health, channel);
            if (keyIndex < 0)
            {
                continue; // Every key of this channel is disabled or its breaker is open: not an attempt.
            }

            call.Made++;
            log.ChannelId = channel.Id;
            log.ChannelName = channel.Name;
            var upstreamModel = channel.MapModel(model);
            plan = plan with { Capability = capabilities.Resolve(channel.Name, upstreamModel, channel.CapabilityOverrides), ChannelId = channel.Id };
            var inProcess = channel.Adapter is ChatClientAdapter && request.Content is InProcessChatContent;
            ReadOnlyMemory<byte> body = default;
            HttpContent? streamed = null;
            if (!inProcess && (streamed = request.Content.CreateStreamedBody(plan, upstreamModel)) is null)
            {
                if (request.Content.Adapt(plan, upstreamModel, out body) is { } invalid)
                {
                    call.Fail(400, RelayErrorKind.InvalidRequest, invalid.Message, invalid.Code);
                    return null;
                }
            }

            var lease = await concurrency.AcquireAsync(RelayKeys.ConcurrencyKey(channel.Id, keyIndex), cancellationToken, channel.Load).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                lease.Dispose();
                call.Fail(new RelayError(429, RelayErrorKind.RateLimited, "The gateway is at its concurrency limit and its wait queue is full.", "concurrency_limit") { RetryAfter = lease.RetryAfter });
                return null;
            }

            var attempt = new RelayAttempt(channel, keyIndex, plan, upstreamModel, body, lease, new TimeoutSource(channel.FirstByteTimeout, time, cancellationToken)) { StreamedBody = streamed };
            if (inProcess)
            {
                await RememberAffinityAsync(call, attempt, cancellationToken).ConfigureAwait(false);
                return attempt; // The adapter calls the keyed IChatClient through the sender and classifies what it throws.
            }

            if (await SendAsync(call, attempt, cancellationToken).ConfigureAwait(false))
            {
                await RememberAffinityAsync(call, attempt, cancellationToken).ConfigureAwait(false);
                return attempt;
            }

            attempt.Dispose();
            if (call.Error is not null)
            {
                return null; // The caller's own error: no other channel would answer differently.
            }
        }

        if (call.LastFailure is not { } failure)
        {
            call.Fail(404, RelayErrorKind.NotFound, $"No channel serving the model '{model}' supports this endpoint.", "model_not_found", "model");
            return null;
        }

        var (status, kind) = failure.Status switch
        {
            429 => (429, RelayErrorKind.RateLimited),
            504 => (504, RelayErrorKind.Timeout),
            _ => (502, RelayErrorKind.Upstream),
        };
        call.Fail(new RelayError(status, kind, $"Upstream error: {failure.Message}", failure.Code ?? $"upstream_{failure.Status}"));
        log.Content = failure.Message;
        return null;
    }

    // Sends one attempt; true with the 2xx answer set on the attempt, false after a channel failure (LastFailure) or the caller's error (Error).
    private async ValueTask<bool> SendAsync(RelayCall call, RelayAttempt attempt, CancellationToken cancellationToken)
    {
        var channel = attempt.Channel;
        var keyIndex = attempt.KeyIndex;
        var plan = attempt.Plan;
        var token = attempt.Timeout.Token;
        HttpResponseMessage response;
        var sentAt = time.GetTimestamp();
        if (plan.Operation == RelayOperation.Realtime)
        {
            return await ConnectAsync(call, attempt, sentAt, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var headers = call.Request.CallerFormat == channel.Adapter.Format ? call.Request.ProviderHeaders : null;
            // A converted body is JSON whatever the caller sent (an image edit's upload becomes a Gemini turn).
            var contentType = plan.PassThrough ? call.Request.ContentType : null;
            response = await sender.SendAsync(channel, keyIndex, plan.Operation, attempt.UpstreamModel, attempt.Body, call.Request.Stream, token, headers, contentType, attempt.StreamedBody).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            call.MarkClientClosed();
            throw;
        }
        catch (OperationCanceledException)
        {
            RecordFailure(call, attempt, ChannelFailureKind.Transient, 504, "The upstream did not answer in time.", "upstream_timeout", "timeout");
            return false;
        }
        catch (HttpRequestException ex)
        {
            var reason = RelayKeys.Scrub($"Could not reach the upstream: {ex.Message}", channel.Keys);
            RecordFailure(call, attempt, ChannelFailureKind.Transient, 502, reason, "upstream_unreachable", reason);
            return false;
        }

        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            health.ReportSuccess(channel.Id, keyIndex);
            channel.Load.RecordFirstByte(time.GetElapsedTime(sentAt));
            attempt.Response = response;
            return true;
        }

        using (response)
        {
            using var errorBody = new PooledBuffer(4096);
            try
            {
                var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                await ReadLimitedAsync(stream, errorBody, MaxErrorBodySize, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                call.MarkClientClosed();
                throw;
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
            {
                // The status line is enough to decide; the body is best-effort.
            }

            var (upstreamMessage, code) = UpstreamErrorMessage.Extract(errorBody.WrittenSpan);
            upstreamMessage = RelayKeys.Scrub(upstreamMessage, channel.Keys);
            if (ChannelFailureClassifier.Classify(status, errorBody.WrittenSpan) is { } kind)
            {
                // The channel's fault (its key, its billing, its load): another channel may do better.
                RecordFailure(call, attempt, kind, status, upstreamMessage, code, $"{status}: {upstreamMessage}");
                return false;
            }

            // The caller's own mistake (400, 404, 413, 422, ...): no other channel would answer differently.
            call.Fail(status, status == 404 ? RelayErrorKind.NotFound : RelayErrorKind.InvalidRequest, upstreamMessage, code);
            return false;
        }
    }

    // A realtime attempt: the upstream WebSocket handshake, classified like an HTTP answer (a refused upgrade carries its status).
    private async ValueTask<bool> ConnectAsync(RelayCall call, RelayAttempt attempt, long sentAt, CancellationToken cancellationToken)
    {
        var channel = attempt.Channel;
        try
        {
            attempt.Socket = await sender.ConnectWebSocketAsync(channel, attempt.KeyIndex, attempt.UpstreamModel, call.Request.ProviderHeaders, attempt.Timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            call.MarkClientClosed();
            throw;
        }
        catch (OperationCanceledException)
        {
            RecordFailure(call, attempt, ChannelFailureKind.Transient, 504, "The upstream did not accept the realtime session in time.", "upstream_timeout", "timeout");
            return false;
        }
        catch (HttpRequestException ex)
        {
            var reason = RelayKeys.Scrub(ex.StatusCode is null ? $"Could not reach the upstream: {ex.Message}" : ex.Message, channel.Keys);
            var status = ex.StatusCode is { } code ? (int)code : 0;
            // No answer is transient (0); an answered refusal by its status: 5xx, 429, 401/403 are the channel's, other 4xx the caller's.
            if (ChannelFailureClassifier.Classify(status, null, null) is { } kind)
            {
                RecordFailure(call, attempt, kind, status == 0 ? 502 : status, reason, status == 0 ? "upstream_unreachable" : $"upstream_{status}", reason);
                return false;
            }

            call.Fail(status, status == 404 ? RelayErrorKind.NotFound : RelayErrorKind.InvalidRequest, reason, $"upstream_{status}");
            return false;
        }

        health.ReportSuccess(channel.Id, attempt.KeyIndex);
        channel.Load.RecordFirstByte(time.GetElapsedTime(sentAt));
        return true;
    }

    internal void FailAttempt(RelayCall call, RelayAttempt attempt, ChannelFailureKind kind, int status, string message, string? code)
    {
        RecordFailure(call, attempt, kind, status, message, code, $"{status}: {message}");
        attempt.Dispose();
    }

    internal bool FailAttempt(RelayCall call, RelayAttempt attempt, Exception exception)
    {
        var channel = attempt.Channel;
        var status = exception switch
        {
            HttpRequestException { StatusCode: { } code } => (int)code,
            RelayChatClientException { StatusCode: > 0 } relay => relay.StatusCode,
            OperationCanceledException => 504,
            _ => 0,
        };
        var message = RelayKeys.Scrub(exception.Message, channel.Keys);
        var errorCode = (exception as RelayChatClientException)?.ErrorCode;
        if (ChannelFailureClassifier.Classify(status, errorCode, message) is not { } kind)
        {
            attempt.Dispose();
            call.Fail(status, status == 404 ? RelayErrorKind.NotFound : RelayErrorKind.InvalidRequest, message, errorCode ?? "invalid_request");
            return false;
        }

        FailAttempt(call, attempt, kind, status == 0 ? 502 : status, message, status == 504 ? "upstream_timeout" : errorCode ?? "upstream_error");
        return true;
    }

    /// <summary>Reports an in-process chat-client attempt's success to the channel's health.</summary>
    internal void Succeeded(RelayAttempt attempt) => health.ReportSuccess(attempt.Channel.Id, attempt.KeyIndex);

    internal void Finish(RelayCall call)
    {
        RecordTokens(call);
        RelayMetering.Finish(call.Log, call.Request.Token, time, call.Started, logs);
    }

    /// <summary>Gets a value indicating whether calls hold their answers' ends until their rows are stored (<see cref="QuotaOptions.HoldAnswerUntilLogged"/>).</summary>
    internal bool HoldsAnswerUntilLogged => _options.Quota.HoldAnswerUntilLogged;

    /// <summary>Closes <paramref name="call"/> like <see cref="Finish"/> and returns a task that completes once its row is stored.</summary>
    internal Task FinishAndWaitAsync(RelayCall call)
    {
        RecordTokens(call);
        return RelayMetering.FinishAndWaitAsync(call.Log, call.Request.Token, time, call.Started, logs);
    }

    private void RecordTokens(RelayCall call)
    {
        if (call.RateLimitRules is { } rules)
        {
            // Tokens per minute count what the call settled at: the prompt and completion tokens of its row, counted
            // before the row is queued, so whoever sees the row sees the tokens counted.
            rateLimiter.RecordTokens(rules, (long)call.Log.PromptTokens + call.Log.CompletionTokens);
        }
    }

    private void RecordFailure(RelayCall call, RelayAttempt attempt, ChannelFailureKind kind, int status, string message, string? code, string reason)
    {
        health.ReportFailure(attempt.Channel.Id, attempt.KeyIndex, kind, reason);
        call.LastFailure = new RelayError(status, RelayErrorKind.Upstream, message, code);
        LogAttemptFailed(logger, attempt.Channel.Name, status, LogText.Escape(message) ?? "");
    }

    private static async Task ReadLimitedAsync(Stream stream, PooledBuffer buffer, int limit, CancellationToken cancellationToken)
    {
        while (buffer.Length < limit)
        {
            var memory = buffer.GetMemory(8192);
            var read = await stream.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            buffer.Advance(read);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Channel '{Channel}' failed with {Status}: {Message}; trying the next channel.")]
    private static partial void LogAttemptFailed(ILogger logger, string channel, int status, string message);
}
