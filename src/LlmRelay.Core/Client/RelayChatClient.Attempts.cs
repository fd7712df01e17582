using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Pipeline;
using Microsoft.Extensions.AI;
using Wire = LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Client;

public sealed partial class RelayChatClient
{
    // A whole answer from an HTTP channel, read in its family and mapped to a ChatResponse; billed as the HTTP relay bills it.
    private async Task<ChatResponse?> HttpResponseAsync(RelayCall call, RelayAttempt attempt, CancellationToken cancellationToken)
    {
        using var buffer = new PooledBuffer(16 * 1024);
        try
        {
            var stream = await attempt.Response!.Content.ReadAsStreamAsync(attempt.Timeout.Token).ConfigureAwait(false);
            if (!await ReadLimitedAsync(stream, buffer, _relayOptions.MaxResponseBodySize, attempt.Timeout.Token).ConfigureAwait(false))
            {
                throw ToException(call.Fail(502, RelayErrorKind.Upstream, "The upstream answer exceeded MaxResponseBodySize.", "upstream_response_too_large"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            call.MarkClientClosed();
            throw;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            throw ToException(call.Fail(502, RelayErrorKind.Upstream, "The upstream connection failed while sending its answer.", "upstream_interrupted"), ex);
        }

        call.MarkFirstByte();
        var format = attempt.Plan.UpstreamFormat;
        FormatResult<Wire.ChatCompletionResponse> wire;
        TokenUsage usage;
        if (format == WireFormat.OpenAIChat)
        {
            wire = WireJson.Deserialize(buffer.WrittenSpan, WireJson.Context.ChatCompletionResponse);
            usage = wire.IsSuccess ? UsageSniffer.ReadBody(WireFormat.OpenAIChat, buffer.WrittenSpan) ?? default : default;
        }
        else
        {
            var converted = BodyConverter.ConvertResponse(format, WireFormat.OpenAIChat, buffer.WrittenSpan, _time.GetUtcNow().ToUnixTimeSeconds(), out usage);
            wire = converted.IsSuccess ? WireJson.Deserialize(converted.Value, WireJson.Context.ChatCompletionResponse) : converted.Error;
        }

        if (RelayMetering.IsMissing(usage))
        {
            call.BillEstimatedAnswer(attempt, buffer.WrittenSpan);
        }
        else
        {
            call.Bill(attempt, usage);
        }

        if (!wire.IsSuccess)
        {
            // The upstream answered and may have charged us; the caller gets nothing usable, so nothing is billed.
            call.Void();
            throw ToException(call.Fail(502, RelayErrorKind.Upstream, $"The upstream answer could not be converted: {wire.Error.Message}", "upstream_invalid_response"));
        }

        call.MarkAnswered(200);
        return OpenAIChatResponseMapper.FromOpenAIResponse(wire.Value, wire.Value.Usage is null ? null : usage);
    }

    // A whole answer from a chat-client channel's IChatClient, called in process; null when it failed and the next channel may try.
    private async Task<ChatResponse?> ChatClientResponseAsync(RelayCall call, RelayAttempt attempt, CancellationToken cancellationToken)
    {
        var content = (InProcessChatContent)call.Request.Content;
        ChatResponse response;
        try
        {
            response = await _pipeline.Sender.GetChatResponseAsync(attempt.Channel, content.Messages, content.OptionsFor(attempt.UpstreamModel), attempt.Timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            call.MarkClientClosed();
            throw;
        }
#pragma warning disable CA1031 // Whatever the channel's client throws is that channel's failure; the classifier decides what it means.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return call.FailAttempt(attempt, ex) ? null : throw ToException(call.Error!, ex);
        }

        _pipeline.Succeeded(attempt);
        call.MarkFirstByte();
        call.MarkAnswered(200);
        if (response.Usage is { } reported)
        {
            call.Bill(attempt, OpenAIChatResponseMapper.TokenUsageOf(reported));
        }
        else
        {
            // No usage from the channel's client: estimated as for an HTTP answer, from the request the channel got and the answer's text.
            call.BillEstimated(attempt, call.CountText(attempt, response.Text), content.OpenAIBody(attempt.UpstreamModel));
        }

        return response;
    }

    // Opens a stream: success means an attempt's stream opened and its first update (or its clean end) arrived.
    private async Task<PrimedSource> OpenStreamAsync(RelayCall call, CancellationToken cancellationToken)
    {
        var content = (InProcessChatContent)call.Request.Content;
        while (true)
        {
            var attempt = await NextAttemptAsync(call, cancellationToken).ConfigureAwait(false);
            RelayUpdateSource source;
            if (attempt.IsInProcess)
            {
                IAsyncEnumerator<ChatResponseUpdate> updates;
                try
                {
                    updates = _pipeline.Sender.GetChatStream(attempt.Channel, content.Messages, content.OptionsFor(attempt.UpstreamModel), attempt.Timeout.Token);
                }
                catch (RelayChatClientException ex)
                {
                    if (!call.FailAttempt(attempt, ex))
                    {
                        throw ToException(call.Error!, ex);
                    }

                    continue;
                }

                source = new ChatClientUpdateSource(updates, attempt.Timeout, attempt.Channel.IdleTimeout);
            }
            else
            {
                source = new HttpUpdateSource(attempt.Response!, attempt.Plan.UpstreamFormat, attempt.Timeout, attempt.Channel.IdleTimeout);
            }

            ChatResponseUpdate? first;
            try
            {
                first = await source.NextAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                call.MarkClientClosed();
                await source.DisposeAsync().ConfigureAwait(false);
                attempt.Dispose();
                throw;
            }
            catch (RelayChatClientException ex)
            {
                // Nothing reached the caller yet: the next channel may do better.
                await source.DisposeAsync().ConfigureAwait(false);
                var cause = source is ChatClientUpdateSource && ex.InnerException is { } inner ? inner : ex;
                if (!call.FailAttempt(attempt, cause))
                {
                    throw ToException(call.Error!, cause);
                }

                continue;
            }

            if (attempt.IsInProcess)
            {
                _pipeline.Succeeded(attempt);
            }

            call.MarkFirstByte();
            call.MarkAnswered(200);
            return new PrimedSource(source, first, attempt);
        }
    }

    private static async Task<bool> ReadLimitedAsync(Stream stream, PooledBuffer buffer, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await stream.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return true;
            }

            buffer.Advance(read);
            if (buffer.Length > limit)
            {
                return false;
            }
        }
    }
}
