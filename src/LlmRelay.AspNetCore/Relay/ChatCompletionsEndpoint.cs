using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.Configuration;
using LlmRelay.Formats;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Relays <c>POST /v1/chat/completions</c> to OpenAI-compatible channels.</summary>
/// <remarks>
/// <code>
/// key ─► token (cache) ─► body (pooled) ─► validate/sniff ─► allow-list
///   ─► select channel ─► patch model / stream_options ─► send (headers read)
///        │ connect error, timeout, 401/403/408/429/5xx: next channel (never one already tried)
///        │ other 4xx: the caller's error, returned as such
///   ─► copy body through (stream: usage sniffed, usage-only chunk stripped if the caller did not ask)
///   ─► usage log row queued (quota charged with it)
/// </code>
/// Failover happens only before the response starts; after that an upstream failure becomes an error
/// event in the stream. The caller's cancellation cancels the upstream call.
/// </remarks>
internal sealed partial class ChatCompletionsEndpoint(
    TokenCache tokens,
    ChannelCatalogProvider catalog,
    UpstreamInvoker upstream,
    UsageLogQueue logs,
    IOptions<LlmRelayOptions> options,
    TimeProvider time,
    ILogger<ChatCompletionsEndpoint> logger)
{
    private const int StreamBufferSize = 64 * 1024;
    private const int MaxErrorBodySize = 64 * 1024;
    private readonly LlmRelayOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        var aborted = context.RequestAborted;
        var key = GatewayKeyReader.Read(context.Request);
        if (key is null)
        {
            await OpenAIErrors.WriteAsync(context, 401, "You didn't provide an API key. Send it as 'Authorization: Bearer sk-...'.", OpenAIErrors.Authentication, "missing_api_key").ConfigureAwait(false);
            return;
        }

        var token = await tokens.FindAsync(key, aborted).ConfigureAwait(false);
        if (token is null)
        {
            await OpenAIErrors.WriteAsync(context, 401, $"Incorrect API key provided: {ApiKeys.Mask(key)}.", OpenAIErrors.Authentication, "invalid_api_key").ConfigureAwait(false);
            return;
        }

        if (await RejectTokenAsync(context, token).ConfigureAwait(false))
        {
            return;
        }

        using var body = new PooledBufferWriter();
        if (context.Request.ContentLength > _options.MaxRequestBodySize
            || !await BodyReader.ReadAsync(context.Request.BodyReader, body, _options.MaxRequestBodySize, aborted).ConfigureAwait(false))
        {
            await OpenAIErrors.WriteAsync(context, 413, $"The request body is larger than {_options.MaxRequestBodySize} bytes.", OpenAIErrors.InvalidRequest, "request_too_large").ConfigureAwait(false);
            return;
        }

        var error = OpenAIChatRequestReader.TryRead(body.WrittenSpan, out var request);
        if (error is not null)
        {
            await OpenAIErrors.WriteAsync(context, 400, error.Message, OpenAIErrors.InvalidRequest, error.Kind == FormatErrorKind.InvalidJson ? "invalid_json" : null, error.Code).ConfigureAwait(false);
            return;
        }

        if (!token.AllowsModel(request.Model))
        {
            await OpenAIErrors.WriteAsync(context, 403, $"This API key may not use the model '{request.Model}'.", OpenAIErrors.Permission, "model_not_allowed", "model").ConfigureAwait(false);
            return;
        }

        var log = new UsageLog
        {
            CreatedAt = time.GetUtcNow(),
            UserId = token.UserId,
            TokenId = token.Id,
            TokenName = token.Name,
            ModelName = request.Model,
            Group = token.Group,
            IsStream = request.Stream,
            Ip = context.Connection.RemoteIpAddress?.ToString() ?? "",
            RequestId = context.TraceIdentifier,
        };

        try
        {
            await RelayAsync(context, token, body, request, log, started).ConfigureAwait(false);
        }
        finally
        {
            log.UseTimeMs = (int)time.GetElapsedTime(started).TotalMilliseconds;
            if (log.Quota == 0 && log.StatusCode != 200)
            {
                log.Type = UsageLogType.Error; // Nothing was delivered, nothing is charged.
            }

            if (log.Type == UsageLogType.Consume && !token.UnlimitedQuota)
            {
                token.Charge(log.Quota);
            }

            logs.Enqueue(log);
        }
    }

    private async Task<bool> RejectTokenAsync(HttpContext context, TokenEntry token)
    {
        if (token.Status == TokenStatus.Disabled)
        {
            await OpenAIErrors.WriteAsync(context, 401, "This API key is disabled.", OpenAIErrors.Authentication, "api_key_disabled").ConfigureAwait(false);
            return true;
        }

        if (token.Status == TokenStatus.Expired || (token.ExpiresAt is { } expires && expires <= time.GetUtcNow()))
        {
            await OpenAIErrors.WriteAsync(context, 401, "This API key has expired.", OpenAIErrors.Authentication, "api_key_expired").ConfigureAwait(false);
            return true;
        }

        if (!token.UnlimitedQuota && (token.Status == TokenStatus.Exhausted || token.RemainQuota <= 0))
        {
            await OpenAIErrors.WriteAsync(context, 429, "This API key has used all of its quota.", OpenAIErrors.InsufficientQuota, "insufficient_quota").ConfigureAwait(false);
            return true;
        }

        return false;
    }

    private async Task RelayAsync(HttpContext context, TokenEntry token, PooledBufferWriter body, OpenAIChatRequestInfo request, UsageLog log, long started)
    {
        var attempts = Math.Max(1, _options.MaxAttempts);
        var tried = new long[attempts];
        var triedCount = 0;
        UpstreamFailure? failure = null;
        using var patched = new PooledBufferWriter(0);

        while (triedCount < attempts)
        {
            var selection = ChannelSelector.Select(catalog.Current, token.Group, request.Model, tried.AsSpan(0, triedCount), out var channel);
            if (selection != ChannelSelectionStatus.Selected)
            {
                if (failure is null)
                {
                    var notFound = selection == ChannelSelectionStatus.ModelNotFound;
                    var message = notFound
                        ? $"The model '{request.Model}' does not exist or no channel serves it."
                        : $"Every channel serving the model '{request.Model}' is unavailable; try again later.";
                    log.Type = UsageLogType.Error;
                    log.StatusCode = notFound ? 404 : 503;
                    log.Content = message;
                    await OpenAIErrors.WriteAsync(context, log.StatusCode, message, notFound ? OpenAIErrors.InvalidRequest : OpenAIErrors.Upstream, notFound ? "model_not_found" : "no_channel_available", "model").ConfigureAwait(false);
                    return;
                }

                break;
            }

            tried[triedCount++] = channel!.Id;
            log.ChannelId = channel.Id;
            log.ChannelName = channel.Name;

            var upstreamModel = channel.MapModel(request.Model);
            ReadOnlyMemory<byte> content = body.WrittenMemory;
            if (OpenAIChatRequestPatcher.NeedsPatch(request, upstreamModel))
            {
                patched.Clear();
                OpenAIChatRequestPatcher.Patch(body.WrittenSpan, request, upstreamModel, patched);
                content = patched.WrittenMemory;
            }

            var outcome = await TryChannelAsync(context, channel, content, request, log, started).ConfigureAwait(false);
            if (outcome is null)
            {
                return; // Answered: success, a caller error, a failure after the response started, or a client abort.
            }

            failure = outcome;
            LogAttemptFailed(logger, channel.Name, outcome.Status, outcome.Message);
        }

        var status = failure!.Status switch
        {
            429 => 429,
            504 => 504,
            _ => 502,
        };
        log.Type = UsageLogType.Error;
        log.StatusCode = status;
        log.Content = failure.Message;
        await OpenAIErrors.WriteAsync(context, status, $"Upstream error: {failure.Message}", OpenAIErrors.Upstream, failure.Code ?? $"upstream_{failure.Status}").ConfigureAwait(false);
    }

    // Returns null when the exchange is finished (whatever its result), or the failure to try the next channel after.
    private async Task<UpstreamFailure?> TryChannelAsync(HttpContext context, ChannelEntry channel, ReadOnlyMemory<byte> content, OpenAIChatRequestInfo request, UsageLog log, long started)
    {
        var aborted = context.RequestAborted;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        cts.CancelAfter(_options.FirstByteTimeout);

        using var message = new HttpRequestMessage(HttpMethod.Post, channel.ChatCompletionsUri)
        {
            Content = new ReadOnlyMemoryContent(content),
        };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        var apiKey = channel.NextKey();
        if (apiKey.Length > 0)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        if (request.Stream)
        {
            message.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        }

        HttpResponseMessage response;
        try
        {
            response = await upstream.Invoker.SendAsync(message, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            MarkClientClosed(log);
            return null;
        }
        catch (OperationCanceledException)
        {
            return new UpstreamFailure(504, "The upstream did not answer in time.", "upstream_timeout");
        }
        catch (HttpRequestException ex)
        {
            return new UpstreamFailure(502, SecretScrubber.Scrub($"Could not reach the upstream: {ex.Message}", channel.Keys), "upstream_unreachable");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                var isEventStream = response.Content.Headers.ContentType?.MediaType is "text/event-stream";
                if (request.Stream && isEventStream)
                {
                    await StreamAsync(context, response, cts, request, log, started).ConfigureAwait(false);
                }
                else
                {
                    await CopyBodyAsync(context, response, log, started, cts.Token).ConfigureAwait(false);
                }

                return null;
            }

            using var errorBody = new PooledBufferWriter(4096);
            try
            {
                var stream = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
                await BodyReader.ReadAsync(stream, errorBody, MaxErrorBodySize, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                MarkClientClosed(log);
                return null;
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
            {
                // The status line is enough to decide; the body is best-effort.
            }

            var (upstreamMessage, code) = UpstreamErrorMessage.Extract(errorBody.WrittenSpan);
            upstreamMessage = SecretScrubber.Scrub(upstreamMessage, channel.Keys);
            if (IsRetryable(response.StatusCode))
            {
                return new UpstreamFailure(status, upstreamMessage, code);
            }

            // The caller's own mistake (400, 404, 413, 422, ...): no other channel would answer differently.
            log.Type = UsageLogType.Error;
            log.StatusCode = status;
            log.Content = upstreamMessage;
            await OpenAIErrors.WriteAsync(context, status, upstreamMessage, OpenAIErrors.InvalidRequest, code).ConfigureAwait(false);
            return null;
        }
    }

    private static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
        || (int)status >= 500;

    private async Task CopyBodyAsync(HttpContext context, HttpResponseMessage response, UsageLog log, long started, CancellationToken cancellationToken)
    {
        using var buffer = new PooledBufferWriter();
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            if (!await BodyReader.ReadAsync(stream, buffer, _options.MaxResponseBodySize, cancellationToken).ConfigureAwait(false))
            {
                log.Type = UsageLogType.Error;
                log.StatusCode = 502;
                log.Content = "The upstream answer exceeded MaxResponseBodySize.";
                await OpenAIErrors.WriteAsync(context, 502, log.Content, OpenAIErrors.Upstream, "upstream_response_too_large").ConfigureAwait(false);
                return;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            MarkClientClosed(log);
            return;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            log.Type = UsageLogType.Error;
            log.StatusCode = 502;
            log.Content = "The upstream connection failed while sending its answer.";
            await OpenAIErrors.WriteAsync(context, 502, log.Content, OpenAIErrors.Upstream, "upstream_interrupted").ConfigureAwait(false);
            return;
        }

        log.FirstByteMs = (int)time.GetElapsedTime(started).TotalMilliseconds;
        log.StatusCode = (int)response.StatusCode;
        if (OpenAIUsageReader.TryRead(buffer.WrittenSpan, out var usage))
        {
            ApplyUsage(log, usage);
        }

        context.Response.StatusCode = log.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        try
        {
            await context.Response.BodyWriter.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The answer was produced; the caller left while it was being written. It is still billed.
        }
    }

    private async Task StreamAsync(HttpContext context, HttpResponseMessage response, CancellationTokenSource cts, OpenAIChatRequestInfo request, UsageLog log, long started)
    {
        var aborted = context.RequestAborted;
        var httpResponse = context.Response;
        httpResponse.StatusCode = (int)response.StatusCode;
        httpResponse.ContentType = response.Content.Headers.ContentType?.ToString() ?? "text/event-stream";
        httpResponse.Headers.CacheControl = "no-cache";
        httpResponse.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        log.StatusCode = httpResponse.StatusCode;

        var writer = httpResponse.BodyWriter;
        using var passThrough = new OpenAIStreamPassThrough(stripUsageChunk: !request.IncludeUsage);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(StreamBufferSize);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
            await httpResponse.StartAsync(aborted).ConfigureAwait(false);
            while (true)
            {
                var read = await stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                log.FirstByteMs ??= (int)time.GetElapsedTime(started).TotalMilliseconds;
                passThrough.Process(buffer.AsSpan(0, read), writer);
                var flush = await writer.FlushAsync(aborted).ConfigureAwait(false);
                if (flush.IsCanceled || flush.IsCompleted)
                {
                    MarkClientClosed(log);
                    return;
                }

                cts.CancelAfter(_options.IdleTimeout);
            }

            passThrough.Complete(writer);
            await writer.FlushAsync(aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            MarkClientClosed(log);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // After the response started, failover is impossible: tell the caller inside the stream.
            log.Content = ex is OperationCanceledException
                ? "The upstream stream stalled longer than the idle timeout."
                : "The upstream stream was interrupted.";
            await WriteStreamErrorAsync(writer, log.Content, aborted).ConfigureAwait(false);
            log.StatusCode = 502;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            if (passThrough.Usage is { } usage)
            {
                ApplyUsage(log, usage);
            }
            else
            {
                // No usage came back: nothing is charged here; issue #5 adds counting for this case.
                log.Other = """{"usage":"missing"}""";
            }
        }
    }

    private static async Task WriteStreamErrorAsync(System.IO.Pipelines.PipeWriter writer, string message, CancellationToken cancellationToken)
    {
        try
        {
            writer.Write("data: "u8);
            OpenAIErrors.Write(writer, message, OpenAIErrors.Upstream, "upstream_interrupted", null);
            writer.Write("\n\ndata: [DONE]\n\n"u8);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The caller is gone too.
        }
    }

    private static void ApplyUsage(UsageLog log, in TokenUsage usage)
    {
        log.PromptTokens = (int)Math.Min(int.MaxValue, usage.InputTokens);
        log.CompletionTokens = (int)Math.Min(int.MaxValue, usage.OutputTokens);
        log.Quota = QuotaCalculator.Compute(usage);
        if (usage.CachedInputTokens > 0 || usage.ReasoningTokens > 0)
        {
            log.Other = $$"""{"cached_tokens":{{usage.CachedInputTokens}},"reasoning_tokens":{{usage.ReasoningTokens}}}""";
        }
    }

    private static void MarkClientClosed(UsageLog log)
    {
        log.StatusCode = 499;
        log.Content = "The client closed the request.";
    }

    private sealed record UpstreamFailure(int Status, string Message, string? Code);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Channel '{Channel}' failed with {Status}: {Message}; trying the next channel.")]
    private static partial void LogAttemptFailed(ILogger logger, string channel, int status, string message);
}
