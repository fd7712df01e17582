using System.Buffers;
using System.Net.WebSockets;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Formats;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Sse;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay;

internal sealed partial class ResponsesSocketSession
{
    private const int StreamBufferSize = 64 * 1024;

    // The answer as the HTTP route streams it (StreamPump: passed through or rewritten to Responses events), each SSE
    // event's data sent as one text message. Billing is the HTTP stream's: the usage reported, else an estimate.
    private async Task StreamAsync(RelayCall call, RelayAttempt attempt, OpenAIChatRequestInfo request, ResponsesChain chain)
    {
        var plan = attempt.Plan;
        var response = attempt.Response!;
        if (plan.PassThrough && response.Content.Headers.ContentType?.MediaType is not "text/event-stream")
        {
            // Asked for a stream, the upstream sent a whole body: the socket has no way to carry it as events.
            call.Void();
            await SendErrorAsync(call.Fail(502, RelayErrorKind.Upstream, "The upstream answered without a stream.", "upstream_invalid_response")).ConfigureAwait(false);
            return;
        }

        call.MarkAnswered(200);
        using var pump = StreamPump.Create(InboundRoute.OpenAIResponses, plan, request);
        using var events = new SseEventReader();
        using var sse = new PooledBufferWriter();
        try
        {
            await PumpAsync(call, attempt, pump, events, sse, chain).ConfigureAwait(false);
        }
        finally
        {
            pump.Bill(call, attempt);
        }
    }

    private async Task PumpAsync(RelayCall call, RelayAttempt attempt, StreamPump pump, SseEventReader events, PooledBufferWriter sse, ResponsesChain chain)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(StreamBufferSize);
        FormatError? transportError = null;
        var clientGone = false;
        try
        {
            var response = attempt.Response!;
            var stream = await response.Content.ReadAsStreamAsync(attempt.CancellationToken).ConfigureAwait(false);
            while (true)
            {
                var read = await stream.ReadAsync(buffer, attempt.CancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                call.MarkFirstByte();
                sse.Clear();
                pump.Process(buffer.AsSpan(0, read), sse);
                Frame(events, sse.WrittenSpan, flush: false, chain);
                await SendQueuedAsync().ConfigureAwait(false);
                attempt.ResetIdleTimeout();
            }
        }
        catch (Exception ex) when (Aborted.IsCancellationRequested || ex is WebSocketException)
        {
            clientGone = true;
            call.MarkClientClosed();
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // After the first event, failover is impossible: tell the client in an error event.
            transportError = StreamPump.Interrupted(call, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (!clientGone)
        {
            sse.Clear();
            var ended = pump.Complete(sse, ResponsesSocketErrorWriter.Instance, transportError);
            if (ended is not null && transportError is null)
            {
                call.Log.Content = ended.Message;
            }

            Frame(events, sse.WrittenSpan, flush: true, chain);
            try
            {
                await SendQueuedAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
                call.MarkClientClosed();
            }

            // A completed response is kept with its turn, for the next message (or an HTTP call) naming it (issue #16).
            if (await chain.CommitAsync(endpoint.Responses, call.Log.TokenId, attempt.Plan, Aborted).ConfigureAwait(false) is { } id)
            {
                await call.RecordResponseIdAsync(id, Aborted).ConfigureAwait(false);
            }
        }
    }

    // Queues each complete SSE event's data as one message (the chain notes ids and output items on the way).
    private void Frame(SseEventReader events, ReadOnlySpan<byte> sse, bool flush, ResponsesChain chain)
    {
        while (events.TryRead(ref sse, out _, out var data))
        {
            Queue(data, chain);
        }

        if (flush && events.TryFlush(out _, out var last))
        {
            Queue(last, chain);
        }
    }

    private void Queue(ReadOnlySpan<byte> data, ResponsesChain chain)
    {
        if (data.IsEmpty || data.SequenceEqual("[DONE]"u8))
        {
            return;
        }

        chain.Observe(data);
        _outgoing.Write(data);
        _lengths.Add(data.Length);
    }
}
