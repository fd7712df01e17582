using System.Buffers;
using System.Net;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Streaming;
using LlmRelay.Formats.ToolCalls;
using LlmRelay.Client;
using LlmRelay.Health;
using LlmRelay.Internal;
using LlmRelay.Pipeline;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using System.IO.Pipelines;

namespace LlmRelay.AspNetCore.Relay;

internal sealed partial class RelayEndpoint
{
    private async Task CopyBodyAsync(HttpContext context, InboundRoute route, RelayCall call, RelayAttempt attempt, ToolCallSieve? sieve, ResponsesChain? chain)
    {
        var plan = attempt.Plan;
        var response = attempt.Response!;
        using var buffer = new PooledBufferWriter();
        if (!await ReadAnswerAsync(context, route, call, attempt, buffer).ConfigureAwait(false))
        {
            return;
        }

        ReadOnlyMemory<byte> answer = buffer.WrittenMemory;
        string contentType;
        if (plan.PassThrough && (sieve is null || !sieve.MustConvert(answer.Span)))
        {
            var sniffer = new UsageSniffer(plan.UpstreamFormat);
            sniffer.Observe(answer.Span);
            if (sniffer.Usage is { } usage)
            {
                call.Bill(attempt, usage);
            }
            else
            {
                call.BillEstimatedAnswer(attempt, answer.Span);
            }

            contentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        }
        else
        {
            var created = time.GetUtcNow().ToUnixTimeSeconds();
            var converted = sieve is null
                ? BodyConverter.ConvertResponse(plan.UpstreamFormat, route.Format, answer.Span, created, out var usage)
                : sieve.ConvertResponse(plan.UpstreamFormat, route.Format, answer.Span, created, out usage);
            call.BillAnswer(attempt, usage, answer.Span);

            if (converted.Error is { Kind: FormatErrorKind.ToolChoiceViolation } violation)
            {
                // The seed's answer when tool_choice required a call the model did not make: 422 tool_choice_violation. The caller
                // gets no answer, so nothing is billed (the row keeps the tokens the upstream reported).
                call.Void();
                await WriteErrorAsync(context, route, call.Fail(422, RelayErrorKind.InvalidRequest, violation.Message, violation.Code, "tool_choice")).ConfigureAwait(false);
                return;
            }

            if (!converted.IsSuccess)
            {
                // The upstream answered and may have charged us; the caller gets nothing usable, so nothing is billed.
                call.Void();
                await WriteErrorAsync(context, route, call.Fail(502, RelayErrorKind.Upstream, $"The upstream answer could not be converted: {converted.Error.Message}", "upstream_invalid_response")).ConfigureAwait(false);
                return;
            }

            answer = converted.Value;
            contentType = "application/json";
            if (route.Operation == RelayOperation.ResponsesCompact && chain is not null)
            {
                if (ResponsesCompaction.WriteAnswer(answer.Span, chain, created) is not { } compacted)
                {
                    call.Void();
                    await WriteErrorAsync(context, route, call.Fail(502, RelayErrorKind.Upstream, "The upstream's summary could not be read.", "upstream_invalid_response")).ConfigureAwait(false);
                    return;
                }

                answer = compacted;
            }
        }

        if (route.Operation == RelayOperation.Responses && chain is not null)
        {
            // Kept with its turn for GET /v1/responses/{id} and a later previous_response_id, for this key only (issue #16).
            chain.ReadAnswer(answer.Span);
            if (await chain.CommitAsync(responses, call.Log.TokenId, plan, context.RequestAborted).ConfigureAwait(false) is { } responseId)
            {
                // The chain's next call (previous_response_id) goes back to the channel and key that hold this response.
                await call.RecordResponseIdAsync(responseId, context.RequestAborted).ConfigureAwait(false);
            }
        }

        call.MarkAnswered((int)response.StatusCode);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = answer.Length;
        try
        {
            if (call.HoldsAnswerUntilLogged && answer.Length > 0)
            {
                // The last byte waits until the call's row is stored (LlmRelay:Quota:HoldAnswerUntilLogged, issue #18): a caller
                // that received the whole answer is logged and billed even if this process is killed right after.
                await context.Response.BodyWriter.WriteAsync(answer[..^1], context.RequestAborted).ConfigureAwait(false);
                await call.FinishStoredAsync(context.RequestAborted).ConfigureAwait(false);
                await context.Response.BodyWriter.WriteAsync(answer[^1..], context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                await context.Response.BodyWriter.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The answer was produced; the caller left while it was being written. It is still billed.
        }
    }

    // Reads a whole answer into buffer (the first byte marked); false when it could not be read, the caller's error written.
    private async Task<bool> ReadAnswerAsync(HttpContext context, InboundRoute route, RelayCall call, RelayAttempt attempt, PooledBufferWriter buffer)
    {
        var cancellationToken = attempt.CancellationToken;
        try
        {
            var stream = await attempt.Response!.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            if (!await BodyReader.ReadAsync(stream, buffer, _options.MaxResponseBodySize, cancellationToken).ConfigureAwait(false))
            {
                await WriteErrorAsync(context, route, call.Fail(502, RelayErrorKind.Upstream, "The upstream answer exceeded MaxResponseBodySize.", "upstream_response_too_large")).ConfigureAwait(false);
                return false;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            call.MarkClientClosed();
            return false;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            await WriteErrorAsync(context, route, call.Fail(502, RelayErrorKind.Upstream, "The upstream connection failed while sending its answer.", "upstream_interrupted")).ConfigureAwait(false);
            return false;
        }

        call.MarkFirstByte();
        return true;
    }

    private async Task StreamAsync(HttpContext context, InboundRoute route, RelayCall call, RelayAttempt attempt, OpenAIChatRequestInfo request, ToolCallSieve? sieve, ResponsesChain? chain)
    {
        var plan = attempt.Plan;
        var response = attempt.Response!;
        var log = call.Log;
        var aborted = context.RequestAborted;
        var httpResponse = context.Response;
        httpResponse.StatusCode = 200;
        httpResponse.ContentType = route.StreamsJsonArray ? "application/json; charset=UTF-8"
            : plan.PassThrough ? response.Content.Headers.ContentType?.ToString() ?? "text/event-stream" : "text/event-stream";
        httpResponse.Headers.CacheControl = "no-cache";
        httpResponse.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        call.MarkAnswered(200);

        var writer = httpResponse.BodyWriter;
        using var pump = StreamPump.Create(route, plan, request, sieve);
        // A /v1/responses stream passes through a pooled buffer on its way out, so its turn can be kept (issue #16).
        using var tee = chain is null ? null : new PooledBufferWriter(4096);
        var buffer = ArrayPool<byte>.Shared.Rent(StreamBufferSize);
        FormatError? transportError = null;
        var clientGone = false;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(attempt.CancellationToken).ConfigureAwait(false);
            await httpResponse.StartAsync(aborted).ConfigureAwait(false);
            while (true)
            {
                var read = await stream.ReadAsync(buffer, attempt.CancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                call.MarkFirstByte();
                Pump(pump, buffer.AsSpan(0, read), writer, tee, chain);
                var flush = await writer.FlushAsync(aborted).ConfigureAwait(false);
                if (flush.IsCanceled || flush.IsCompleted)
                {
                    clientGone = true;
                    call.MarkClientClosed();
                    return;
                }

                attempt.ResetIdleTimeout();
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            clientGone = true;
            call.MarkClientClosed();
            return;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // After the response started, failover is impossible: tell the caller inside the stream.
            transportError = StreamPump.Interrupted(call, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!clientGone && !aborted.IsCancellationRequested)
            {
                FormatError? ended;
                if (tee is null)
                {
                    ended = pump.Complete(writer, route.Errors, transportError);
                }
                else
                {
                    tee.Clear();
                    ended = pump.Complete(tee, route.Errors, transportError);
                    chain!.ObserveSse(tee.WrittenSpan, flush: true);
                    writer.Write(tee.WrittenSpan);
                }

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
                    call.MarkClientClosed();
                }
            }

            pump.Bill(call, attempt);
        }

        if (!clientGone && transportError is null && chain is not null && await chain.CommitAsync(responses, log.TokenId, plan, aborted).ConfigureAwait(false) is { } responseId)
        {
            await call.RecordResponseIdAsync(responseId, aborted).ConfigureAwait(false);
        }
    }

    private static void Pump(StreamPump pump, ReadOnlySpan<byte> chunk, PipeWriter writer, PooledBufferWriter? tee, ResponsesChain? chain)
    {
        if (tee is null)
        {
            pump.Process(chunk, writer);
            return;
        }

        tee.Clear();
        pump.Process(chunk, tee);
        chain!.ObserveSse(tee.WrittenSpan);
        writer.Write(tee.WrittenSpan);
    }
}
