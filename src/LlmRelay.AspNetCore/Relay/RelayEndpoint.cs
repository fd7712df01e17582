using System.Buffers;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Client;
using LlmRelay.Concurrency;
using LlmRelay.Configuration;
using LlmRelay.Formats;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Health;
using LlmRelay.Internal;
using LlmRelay.Pricing;
using LlmRelay.Providers;
using LlmRelay.Responses;
using LlmRelay.Storage;
using LlmRelay.Tokenization;
using Microsoft.Extensions.DependencyInjection;
using LlmRelay.Selection;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Relays one call of any <see cref="InboundRoute"/> to any channel, converting formats where they differ.</summary>
/// <remarks>
/// <code>
/// key ─► token (cache) ─► body (pooled) ─► validate/sniff ─► allow-list
///   ─► select channel that can serve the route ─► plan: pass through or convert
///   ─► patch model (pass-through) or convert the body ─► send (headers read)
///        │ connect error, timeout, 401/403/408/429/5xx: next channel (never one already tried)
///        │ other 4xx: the caller's error, returned in the caller's shape
///   ─► answer: copied through (usage sniffed) or converted (usage read by the converter)
///   ─► usage log row queued (quota charged with it)
/// </code>
/// Failover happens only before the response starts; after that an upstream failure becomes an error
/// event in the caller's stream format. The caller's cancellation cancels the upstream call.
/// </remarks>
internal sealed partial class RelayEndpoint(
    TokenCache tokens,
    ChannelCatalogProvider catalog,
    UpstreamInvoker upstream,
    UsageLogQueue logs,
    ChannelHealthTracker health,
    RelayConcurrency concurrency,
    ModelPricing pricing,
    ResponseStore responses,
    ITokenCounter counter,
    ChatClientChannelInvoker chatClients,
    IServiceScopeFactory scopes,
    IOptions<LlmRelayOptions> options,
    TimeProvider time,
    ILogger<RelayEndpoint> logger)
{
    private const int StreamBufferSize = 64 * 1024;
    private const int MaxErrorBodySize = 64 * 1024;

    private readonly LlmRelayOptions _options = options.Value;

    public Task HandleAsync(HttpContext context, InboundRoute route) => HandleAsync(context, route, null, null);

    public async Task HandleAsync(HttpContext context, InboundRoute route, string? urlModel, bool? urlStream)
    {
        var started = time.GetTimestamp();
        var errors = route.Errors;
        var token = await AuthenticateAsync(context, errors).ConfigureAwait(false);
        if (token is null)
        {
            return;
        }

        using var body = new PooledBufferWriter();
        if (!await BodyReader.ReadRequestAsync(context, body, _options.MaxRequestBodySize).ConfigureAwait(false))
        {
            await errors.WriteAsync(context, 413, RelayErrorKind.RequestTooLarge, $"The request body is larger than {_options.MaxRequestBodySize} bytes.", "request_too_large").ConfigureAwait(false);
            return;
        }

        var error = OpenAIChatRequestReader.TryRead(body.WrittenSpan, route.Shape, out var request);
        if (error is null && urlModel is null && request.Model.Length == 0)
        {
            error = new FormatError(FormatErrorKind.InvalidShape, "you must provide a model parameter", "model");
        }

        if (error is not null)
        {
            await errors.WriteAsync(context, 400, RelayErrorKind.InvalidRequest, error.Message, error.Kind == FormatErrorKind.InvalidJson ? "invalid_json" : null, error.Code).ConfigureAwait(false);
            return;
        }

        // request.Model stays what the body says (the patcher compares against it); routing uses the URL's model and aliases.
        var requestedModel = urlModel ?? request.Model;
        var routingModel = requestedModel;
        if (_options.ModelAliases.Count > 0 && _options.ModelAliases.TryGetValue(requestedModel, out var aliased) && aliased.Length > 0)
        {
            routingModel = aliased;
        }

        if (urlStream is { } stream)
        {
            request.Stream = stream;
        }

        if (!token.AllowsModel(requestedModel) && !token.AllowsModel(routingModel))
        {
            await errors.WriteAsync(context, 403, RelayErrorKind.Permission, $"This API key may not use the model '{requestedModel}'.", "model_not_allowed", "model").ConfigureAwait(false);
            return;
        }

        var log = new UsageLog
        {
            CreatedAt = time.GetUtcNow(),
            UserId = token.UserId,
            TokenId = token.Id,
            TokenName = token.Name,
            ModelName = requestedModel,
            Group = token.Group,
            IsStream = request.Stream,
            Ip = context.Connection.RemoteIpAddress?.ToString() ?? "",
            RequestId = context.TraceIdentifier,
        };

        if (RelayMetering.Reserves(token))
        {
            // Reserve a cheap upper bound before the call from the token (its cap) and its user (the wallet); the log row
            // settles it to the real usage exactly once.
            var reserve = RelayMetering.EstimateReservation(pricing, token.Group, requestedModel, routingModel, ITokenCounter.EstimateFromBytes(body.WrittenCount), request.MaxTokens);
            var reservation = await RelayMetering.TryReserveAsync(scopes, token.Id, reserve, context.RequestAborted).ConfigureAwait(false);
            if (reservation != QuotaReservation.Reserved)
            {
                await errors.WriteAsync(context, 429, RelayErrorKind.InsufficientQuota, RelayMetering.RefusalMessage(reservation, reserve), "insufficient_quota").ConfigureAwait(false);
                return;
            }

            log.ReservedQuota = reserve;
        }

        try
        {
            await RelayAsync(context, route, token, body, request, routingModel, log, started).ConfigureAwait(false);
        }
        finally
        {
            RelayMetering.Finish(log, token, time, started, logs);
        }
    }

    /// <summary>Resolves the caller's token, or answers 401/429 in the caller's shape and returns <see langword="null"/>.</summary>
    internal async ValueTask<TokenEntry?> AuthenticateAsync(HttpContext context, RelayErrorWriter errors)
    {
        var key = GatewayKeyReader.Read(context.Request);
        if (key is null)
        {
            await errors.WriteAsync(context, 401, RelayErrorKind.Authentication, "You didn't provide an API key. Send it as 'Authorization: Bearer sk-...'.", "missing_api_key").ConfigureAwait(false);
            return null;
        }

        var token = await tokens.FindAsync(key, context.RequestAborted).ConfigureAwait(false);
        if (token is null)
        {
            await errors.WriteAsync(context, 401, RelayErrorKind.Authentication, $"Incorrect API key provided: {ApiKeys.Mask(key)}.", "invalid_api_key").ConfigureAwait(false);
            return null;
        }

        if (token.Status == TokenStatus.Disabled)
        {
            await errors.WriteAsync(context, 401, RelayErrorKind.Authentication, "This API key is disabled.", "api_key_disabled").ConfigureAwait(false);
            return null;
        }

        if (!token.UserEnabled)
        {
            await errors.WriteAsync(context, 403, RelayErrorKind.Permission, "The user who owns this API key is disabled.", "user_disabled").ConfigureAwait(false);
            return null;
        }

        if (!token.GroupUsable)
        {
            await errors.WriteAsync(context, 403, RelayErrorKind.Permission, token.GroupRefusal(), "group_not_allowed").ConfigureAwait(false);
            return null;
        }

        if (token.Status == TokenStatus.Expired || (token.ExpiresAt is { } expires && expires <= time.GetUtcNow()))
        {
            await errors.WriteAsync(context, 401, RelayErrorKind.Authentication, "This API key has expired.", "api_key_expired").ConfigureAwait(false);
            return null;
        }

        if (!token.AllowsAddress(context.Connection.RemoteIpAddress))
        {
            await errors.WriteAsync(context, 403, RelayErrorKind.Permission, "This API key may not be used from this address.", "ip_not_allowed").ConfigureAwait(false);
            return null;
        }

        if (!token.UnlimitedQuota && (token.Status == TokenStatus.Exhausted || token.RemainQuota <= 0))
        {
            await errors.WriteAsync(context, 429, RelayErrorKind.InsufficientQuota, "This API key has used all of its quota.", "insufficient_quota").ConfigureAwait(false);
            return null;
        }

        return token;
    }

    private async Task RelayAsync(HttpContext context, InboundRoute route, TokenEntry token, PooledBufferWriter body, OpenAIChatRequestInfo request, string model, UsageLog log, long started)
    {
        var attempts = Math.Max(1, _options.MaxAttempts);
        var excluded = new List<long>(attempts);
        var made = 0;
        UpstreamFailure? failure = null;
        var unservable = false;
        using var upstreamBody = new PooledBufferWriter(0);

        while (made < attempts)
        {
            var selection = ChannelSelector.Select(catalog.Current, token.Group, model, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(excluded), out var channel);
            if (selection != ChannelSelectionStatus.Selected)
            {
                if (failure is null)
                {
                    var notFound = selection == ChannelSelectionStatus.ModelNotFound || unservable;
                    var message = unservable
                        ? $"No channel serving the model '{model}' supports this endpoint."
                        : notFound
                            ? $"The model '{model}' does not exist or no channel serves it."
                            : $"Every channel serving the model '{model}' is unavailable; try again later.";
                    log.StatusCode = notFound ? 404 : 503;
                    log.Content = message;
                    await route.Errors.WriteAsync(context, log.StatusCode, notFound ? RelayErrorKind.NotFound : RelayErrorKind.Unavailable, message, notFound ? "model_not_found" : "no_channel_available", "model").ConfigureAwait(false);
                    return;
                }

                break;
            }

            excluded.Add(channel!.Id);
            if (route.PlanFor(channel.Adapter) is not { } plan)
            {
                unservable = true;
                continue; // Not an attempt: this channel cannot serve the route at all.
            }

            unservable = false;
            var keyIndex = RelayKeys.Acquire(health, channel);
            if (keyIndex < 0)
            {
                continue; // Every key of this channel is disabled or its breaker is open: not an attempt.
            }

            made++;
            log.ChannelId = channel.Id;
            log.ChannelName = channel.Name;

            var upstreamModel = channel.MapModel(model);
            ReadOnlyMemory<byte> content;
            if (plan.PassThrough)
            {
                content = body.WrittenMemory;
                var askForUsage = route.AsksForStreamUsage;
                if (route.Shape != RequestShape.Gemini && (request.ModelLength == 0 || OpenAIChatRequestPatcher.NeedsPatch(request, upstreamModel, askForUsage)))
                {
                    upstreamBody.Clear();
                    OpenAIChatRequestPatcher.Patch(body.WrittenSpan, request, upstreamModel, upstreamBody, askForUsage);
                    content = upstreamBody.WrittenMemory;
                }
            }
            else
            {
                var converted = Formats.Conversion.BodyConverter.ConvertRequest(route.Format, plan.UpstreamFormat, body.WrittenSpan, upstreamModel, request.Stream);
                if (!converted.IsSuccess)
                {
                    log.StatusCode = 400;
                    log.Content = converted.Error.Message;
                    await route.Errors.WriteAsync(context, 400, RelayErrorKind.InvalidRequest, converted.Error.Message, null, converted.Error.Code).ConfigureAwait(false);
                    return;
                }

                content = converted.Value.Body;
            }

            using var lease = await concurrency.AcquireAsync(RelayKeys.ConcurrencyKey(channel.Id, keyIndex), context.RequestAborted, channel.Load).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                log.StatusCode = 429;
                log.Content = "The gateway is at its concurrency limit and its wait queue is full.";
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(lease.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await route.Errors.WriteAsync(context, 429, RelayErrorKind.RateLimited, log.Content, "concurrency_limit").ConfigureAwait(false);
                return;
            }

            var outcome = await TryChannelAsync(context, route, channel, keyIndex, plan, upstreamModel, content, request, log, started).ConfigureAwait(false);
            if (outcome is null)
            {
                return; // Answered: success, a caller error, a failure after the response started, or a client abort.
            }

            failure = outcome;
            LogAttemptFailed(logger, channel.Name, outcome.Status, LogText.Escape(outcome.Message)!);
        }

        if (failure is null)
        {
            log.StatusCode = 404;
            log.Content = $"No channel serving the model '{model}' supports this endpoint.";
            await route.Errors.WriteAsync(context, 404, RelayErrorKind.NotFound, log.Content, "model_not_found", "model").ConfigureAwait(false);
            return;
        }

        var (status, kind) = failure.Status switch
        {
            429 => (429, RelayErrorKind.RateLimited),
            504 => (504, RelayErrorKind.Timeout),
            _ => (502, RelayErrorKind.Upstream),
        };
        log.StatusCode = status;
        log.Content = failure.Message;
        await route.Errors.WriteAsync(context, status, kind, $"Upstream error: {failure.Message}", failure.Code ?? $"upstream_{failure.Status}").ConfigureAwait(false);
    }

    private void ApplyUsage(UsageLog log, in TokenUsage usage, string upstreamModel) => RelayMetering.ApplyUsage(log, usage, upstreamModel, pricing);

    private static void MarkClientClosed(UsageLog log) => RelayMetering.MarkClientClosed(log);

    private sealed record UpstreamFailure(int Status, string Message, string? Code);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Channel '{Channel}' failed with {Status}: {Message}; trying the next channel.")]
    private static partial void LogAttemptFailed(ILogger logger, string channel, int status, string message);
}
