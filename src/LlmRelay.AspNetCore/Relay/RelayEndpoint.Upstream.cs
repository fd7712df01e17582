using System.Buffers;
using System.Net;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Streaming;
using LlmRelay.Client;
using LlmRelay.Health;
using LlmRelay.Internal;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LlmRelay.AspNetCore.Relay;

internal sealed partial class RelayEndpoint
{
    // Returns null when the exchange is finished (whatever its result), or the failure to try the next channel after.
    private async Task<UpstreamFailure?> TryChannelAsync(
        HttpContext context, InboundRoute route, ChannelEntry channel, int keyIndex, UpstreamPlan plan, string upstreamModel,
        ReadOnlyMemory<byte> content, OpenAIChatRequestInfo request, UsageLog log, long started)
    {
        var aborted = context.RequestAborted;
        using var cts = new TimeoutSource(channel.FirstByteTimeout, time, aborted);

        var adapter = channel.Adapter;
        using var message = new HttpRequestMessage(HttpMethod.Post, adapter.BuildUri(channel, plan.Operation, upstreamModel, request.Stream))
        {
            Content = new ReadOnlyMemoryContent(content),
        };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        adapter.Authenticate(message, channel.KeyAt(channel.KeyCount == 0 ? 0 : keyIndex));
        UpstreamInvoker.SetConnectTimeout(message, channel);
        if (request.Stream)
        {
            message.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        }

        HttpResponseMessage response;
        var sentAt = time.GetTimestamp();
        try
        {
            // A chat-client channel is an in-process IChatClient that answers like an OpenAI upstream would.
            response = adapter is ChatClientAdapter
                ? await chatClients.SendAsync(message, cts.Token).ConfigureAwait(false)
                : await upstream.Invoker.SendAsync(message, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            MarkClientClosed(log);
            return null;
        }
        catch (OperationCanceledException)
        {
            health.ReportFailure(channel.Id, keyIndex, ChannelFailureKind.Transient, "timeout");
            return new UpstreamFailure(504, "The upstream did not answer in time.", "upstream_timeout");
        }
        catch (HttpRequestException ex)
        {
            var reason = RelayKeys.Scrub($"Could not reach the upstream: {ex.Message}", channel.Keys);
            health.ReportFailure(channel.Id, keyIndex, ChannelFailureKind.Transient, reason);
            return new UpstreamFailure(502, reason, "upstream_unreachable");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                health.ReportSuccess(channel.Id, keyIndex);
                channel.Load.RecordFirstByte(time.GetElapsedTime(sentAt));
                var isEventStream = response.Content.Headers.ContentType?.MediaType is "text/event-stream";
                if (request.Stream && (isEventStream || !plan.PassThrough))
                {
                    await StreamAsync(context, route, plan, response, cts, channel.IdleTimeout, request, content, upstreamModel, log, started).ConfigureAwait(false);
                }
                else
                {
                    await CopyBodyAsync(context, route, plan, response, content, upstreamModel, log, started, cts.Token).ConfigureAwait(false);
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
            upstreamMessage = RelayKeys.Scrub(upstreamMessage, channel.Keys);
            var kind = ChannelFailureClassifier.Classify(status, errorBody.WrittenSpan);
            if (kind is { } failureKind)
            {
                // The channel's fault (its key, its billing, its load): another channel may do better.
                health.ReportFailure(channel.Id, keyIndex, failureKind, $"{status}: {upstreamMessage}");
                return new UpstreamFailure(status, upstreamMessage, code);
            }

            // The caller's own mistake (400, 404, 413, 422, ...): no other channel would answer differently.
            log.StatusCode = status;
            log.Content = upstreamMessage;
            await route.Errors.WriteAsync(context, status, status == 404 ? RelayErrorKind.NotFound : RelayErrorKind.InvalidRequest, upstreamMessage, code).ConfigureAwait(false);
            return null;
        }
    }

    private async Task CopyBodyAsync(HttpContext context, InboundRoute route, UpstreamPlan plan, HttpResponseMessage response, ReadOnlyMemory<byte> upstreamBody, string upstreamModel, UsageLog log, long started, CancellationToken cancellationToken)
    {
        using var buffer = new PooledBufferWriter();
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            if (!await BodyReader.ReadAsync(stream, buffer, _options.MaxResponseBodySize, cancellationToken).ConfigureAwait(false))
            {
                log.StatusCode = 502;
                log.Content = "The upstream answer exceeded MaxResponseBodySize.";
                await route.Errors.WriteAsync(context, 502, RelayErrorKind.Upstream, log.Content, "upstream_response_too_large").ConfigureAwait(false);
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
            log.StatusCode = 502;
            log.Content = "The upstream connection failed while sending its answer.";
            await route.Errors.WriteAsync(context, 502, RelayErrorKind.Upstream, log.Content, "upstream_interrupted").ConfigureAwait(false);
            return;
        }

        log.FirstByteMs = (int)time.GetElapsedTime(started).TotalMilliseconds;
        ReadOnlyMemory<byte> answer = buffer.WrittenMemory;
        string contentType;
        if (plan.PassThrough)
        {
            var sniffer = new UsageSniffer(plan.UpstreamFormat);
            sniffer.Observe(answer.Span);
            if (sniffer.Usage is { } usage)
            {
                ApplyUsage(log, usage, upstreamModel);
            }
            else
            {
                ApplyEstimatedAnswerUsage(log, upstreamBody.Span, answer.Span, upstreamModel);
            }

            contentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        }
        else
        {
            var converted = BodyConverter.ConvertResponse(plan.UpstreamFormat, route.Format, answer.Span, time.GetUtcNow().ToUnixTimeSeconds(), out var usage);
            if (RelayMetering.IsMissing(usage))
            {
                ApplyEstimatedAnswerUsage(log, upstreamBody.Span, answer.Span, upstreamModel);
            }
            else
            {
                ApplyUsage(log, usage, upstreamModel);
            }
            if (!converted.IsSuccess)
            {
                // The upstream answered and may have charged us; the caller gets nothing usable, so nothing is billed.
                log.Quota = 0;
                log.StatusCode = 502;
                log.Content = $"The upstream answer could not be converted: {converted.Error.Message}";
                await route.Errors.WriteAsync(context, 502, RelayErrorKind.Upstream, log.Content, "upstream_invalid_response").ConfigureAwait(false);
                return;
            }

            answer = converted.Value;
            contentType = "application/json";
        }

        if (route == InboundRoute.OpenAIResponses && log.TokenId != 0)
        {
            StoreResponse(answer, log.TokenId);
        }

        log.StatusCode = (int)response.StatusCode;
        context.Response.StatusCode = log.StatusCode;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = answer.Length;
        try
        {
            await context.Response.BodyWriter.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The answer was produced; the caller left while it was being written. It is still billed.
        }
    }

    // A non-stream answer without usage: the prompt counted from the body sent upstream, the completion from the answer's text.
    private void ApplyEstimatedAnswerUsage(UsageLog log, ReadOnlySpan<byte> upstreamBody, ReadOnlySpan<byte> answer, string upstreamModel) =>
        RelayMetering.ApplyEstimatedUsage(log, RelayMetering.Estimate(counter, upstreamModel, upstreamBody, RelayMetering.CountAnswer(counter, upstreamModel, answer)), upstreamModel, pricing);

    // Keeps a /v1/responses answer for GET /v1/responses/{id}, readable only with the key that created it.
    private void StoreResponse(ReadOnlyMemory<byte> answer, long tokenId)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(answer.Span);
            if (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("id"u8) && reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.String)
                    {
                        responses.Store(reader.GetString()!, tokenId, answer.ToArray());
                        return;
                    }

                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not storable; the caller still gets the answer.
        }
    }

    private async Task StreamAsync(HttpContext context, InboundRoute route, UpstreamPlan plan, HttpResponseMessage response, CancellationTokenSource cts, TimeSpan idleTimeout, OpenAIChatRequestInfo request, ReadOnlyMemory<byte> upstreamBody, string upstreamModel, UsageLog log, long started)
    {
        var aborted = context.RequestAborted;
        var httpResponse = context.Response;
        httpResponse.StatusCode = 200;
        httpResponse.ContentType = plan.PassThrough ? response.Content.Headers.ContentType?.ToString() ?? "text/event-stream" : "text/event-stream";
        httpResponse.Headers.CacheControl = "no-cache";
        httpResponse.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        log.StatusCode = 200;

        var writer = httpResponse.BodyWriter;
        using var pump = StreamPump.Create(route, plan, request);
        var buffer = ArrayPool<byte>.Shared.Rent(StreamBufferSize);
        FormatError? transportError = null;
        var clientGone = false;
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
                pump.Process(buffer.AsSpan(0, read), writer);
                var flush = await writer.FlushAsync(aborted).ConfigureAwait(false);
                if (flush.IsCanceled || flush.IsCompleted)
                {
                    clientGone = true;
                    MarkClientClosed(log);
                    return;
                }

                cts.CancelAfter(idleTimeout);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            clientGone = true;
            MarkClientClosed(log);
            return;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // After the response started, failover is impossible: tell the caller inside the stream.
            log.Content = ex is OperationCanceledException
                ? "The upstream stream stalled longer than the idle timeout."
                : "The upstream stream was interrupted.";
            log.StatusCode = 502;
            transportError = new FormatError(FormatErrorKind.UpstreamError, log.Content, "upstream_interrupted");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!clientGone && !aborted.IsCancellationRequested)
            {
                var ended = pump.Complete(writer, route.Errors, transportError);
                if (ended is not null && transportError is null)
                {
                    log.Content = ended.Message;
                }

                try
                {
                    await writer.FlushAsync(aborted).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    MarkClientClosed(log);
                }
            }

            if (pump.Usage is { } usage)
            {
                ApplyUsage(log, usage, upstreamModel);
            }
            else if (pump.DataEvents > 0)
            {
                // No usage came back (the caller left, or the upstream never sent it): count the prompt, and take
                // the chunks delivered as the completion tokens. Counting never throws here (RelayMetering.Estimate).
                var estimated = RelayMetering.Estimate(counter, upstreamModel, upstreamBody.Span, RelayMetering.StreamCompletionTokens(pump.DataEvents));
                RelayMetering.ApplyEstimatedUsage(log, estimated, upstreamModel, pricing);
            }
        }
    }
}
