using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Internal;
using LlmRelay.Internal;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Health;
using LlmRelay.Providers;
using LlmRelay.Selection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Wire = LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Client;

public sealed partial class RelayChatClient
{
    // One non-stream attempt (RelayEndpoint.TryChannelAsync + CopyBodyAsync without the HTTP response).
    private async Task<AttemptOutcome<ChatResponse>> TryResponseAsync(RelayCall call, ChannelEntry channel, int keyIndex, string upstreamModel, IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        if (channel.Adapter is ChatClientAdapter)
        {
            return await TryChatClientResponseAsync(call, channel, keyIndex, upstreamModel, messages, options, cancellationToken).ConfigureAwait(false);
        }

        var log = call.Log;
        using var cts = new TimeoutSource(channel.FirstByteTimeout, _time, cancellationToken);
        var sent = await SendAsync(call, channel, keyIndex, upstreamModel, messages, options, stream: false, cts, cancellationToken).ConfigureAwait(false);
        if (sent.Response is not { } response)
        {
            return AttemptOutcome<ChatResponse>.Failure(sent.Status, sent.Message!, sent.Code);
        }

        using (response)
        {
            using var buffer = new PooledBuffer(16 * 1024);
            try
            {
                var stream = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
                if (!await ReadLimitedAsync(stream, buffer, _relayOptions.MaxResponseBodySize, cts.Token).ConfigureAwait(false))
                {
                    throw Fail(log, 502, "upstream_response_too_large", "The upstream answer exceeded MaxResponseBodySize.");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                RelayMetering.MarkClientClosed(log);
                throw;
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
            {
                throw Fail(log, 502, "upstream_interrupted", "The upstream connection failed while sending its answer.", ex);
            }

            log.FirstByteMs = (int)_time.GetElapsedTime(call.Started).TotalMilliseconds;
            var format = channel.Adapter.Format;
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
                // No usage in the answer: estimated as the HTTP relay does, from the body sent and the answer's text.
                RelayMetering.ApplyEstimatedUsage(log, RelayMetering.Estimate(_counter, upstreamModel, sent.Body, RelayMetering.CountAnswer(_counter, upstreamModel, buffer.WrittenSpan)), upstreamModel, _pricing);
            }
            else
            {
                RelayMetering.ApplyUsage(log, usage, upstreamModel, _pricing);
            }

            if (!wire.IsSuccess)
            {
                // The upstream answered and may have charged us; the caller gets nothing usable, so nothing is billed.
                log.Quota = 0;
                throw Fail(log, 502, "upstream_invalid_response", $"The upstream answer could not be converted: {wire.Error.Message}");
            }

            log.StatusCode = 200;
            return AttemptOutcome<ChatResponse>.Success(OpenAIChatResponseMapper.FromOpenAIResponse(wire.Value, wire.Value.Usage is null ? null : usage));
        }
    }

    // One stream attempt: success means the stream opened and its first update (or its clean end) arrived.
    private async Task<AttemptOutcome<PrimedSource>> TryStreamAsync(RelayCall call, ChannelEntry channel, int keyIndex, string upstreamModel, IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var cts = new TimeoutSource(channel.FirstByteTimeout, _time, cancellationToken);
        RelayUpdateSource? source = null;
        byte[]? sentBody = null;
        try
        {
            if (channel.Adapter is ChatClientAdapter)
            {
                if (ResolveChatClient(channel, out var key) is not { } client)
                {
                    return MissingClient<PrimedSource>(key);
                }

                var enumerator = client.GetStreamingResponseAsync(messages, WithModel(options, upstreamModel), cts.Token).GetAsyncEnumerator(cts.Token);
                source = new ChatClientUpdateSource(enumerator, cts, channel.IdleTimeout);
            }
            else
            {
                var sent = await SendAsync(call, channel, keyIndex, upstreamModel, messages, options, stream: true, cts, cancellationToken).ConfigureAwait(false);
                if (sent.Response is not { } response)
                {
                    return AttemptOutcome<PrimedSource>.Failure(sent.Status, sent.Message!, sent.Code);
                }

                source = new HttpUpdateSource(response, channel.Adapter.Format, cts, channel.IdleTimeout);
                sentBody = sent.Body;
            }

            ChatResponseUpdate? first;
            try
            {
                first = await source.NextAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                RelayMetering.MarkClientClosed(call.Log);
                throw;
            }
            catch (RelayChatClientException ex)
            {
                // Nothing reached the caller yet: the next channel may do better.
                return FailureOf<PrimedSource>(call, channel, keyIndex, source is ChatClientUpdateSource && ex.InnerException is { } inner ? inner : ex);
            }

            if (channel.Adapter is ChatClientAdapter)
            {
                _health.ReportSuccess(channel.Id, keyIndex);
            }

            call.Log.FirstByteMs = (int)_time.GetElapsedTime(call.Started).TotalMilliseconds;
            call.Log.StatusCode = 200;
            var primed = new PrimedSource(source, first, upstreamModel, sentBody);
            source = null;
            cts = null;
            return AttemptOutcome<PrimedSource>.Success(primed);
        }
        finally
        {
            if (source is not null)
            {
                await source.DisposeAsync().ConfigureAwait(false); // Also disposes the attempt's cancellation.
            }
            else
            {
                cts?.Dispose();
            }
        }
    }

    private async Task<AttemptOutcome<ChatResponse>> TryChatClientResponseAsync(RelayCall call, ChannelEntry channel, int keyIndex, string upstreamModel, IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        if (ResolveChatClient(channel, out var key) is not { } client)
        {
            return MissingClient<ChatResponse>(key);
        }

        using var cts = new TimeoutSource(channel.FirstByteTimeout, _time, cancellationToken);
        ChatResponse response;
        try
        {
            response = await client.GetResponseAsync(messages, WithModel(options, upstreamModel), cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            RelayMetering.MarkClientClosed(call.Log);
            throw;
        }
#pragma warning disable CA1031 // Whatever the channel's client throws is that channel's failure; the classifier decides what it means.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return FailureOf<ChatResponse>(call, channel, keyIndex, ex);
        }

        _health.ReportSuccess(channel.Id, keyIndex);
        call.Log.FirstByteMs = (int)_time.GetElapsedTime(call.Started).TotalMilliseconds;
        call.Log.StatusCode = 200;
        if (response.Usage is { } usage)
        {
            RelayMetering.ApplyUsage(call.Log, OpenAIChatResponseMapper.TokenUsageOf(usage), upstreamModel, _pricing);
        }
        else
        {
            // No usage from the channel's client: estimated as for an HTTP answer, from the request the channel got and the answer's text.
            var completion = RelayMetering.CountText(_counter, upstreamModel, response.Text);
            RelayMetering.ApplyEstimatedUsage(call.Log, RelayMetering.Estimate(_counter, upstreamModel, UpstreamBody(messages, options, upstreamModel, stream: false), completion), upstreamModel, _pricing);
        }

        return AttemptOutcome<ChatResponse>.Success(response);
    }

    // Sends the call to an HTTP channel; returns the 2xx response, or the failure to try the next channel after. Caller errors throw.
    private async Task<(HttpResponseMessage? Response, byte[] Body, int Status, string? Message, string? Code)> SendAsync(
        RelayCall call, ChannelEntry channel, int keyIndex, string upstreamModel, IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool stream, CancellationTokenSource cts, CancellationToken cancellationToken)
    {
        var adapter = channel.Adapter;
        var body = UpstreamBody(messages, options, upstreamModel, stream);
        if (adapter.Format != WireFormat.OpenAIChat)
        {
            var converted = BodyConverter.ConvertRequest(WireFormat.OpenAIChat, adapter.Format, body, upstreamModel, stream);
            if (!converted.IsSuccess)
            {
                throw Fail(call.Log, 400, converted.Error.Code ?? "invalid_request", converted.Error.Message);
            }

            body = converted.Value.Body;
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, adapter.BuildUri(channel, RelayOperation.Chat, upstreamModel, stream))
        {
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        adapter.Authenticate(message, channel.KeyAt(channel.KeyCount == 0 ? 0 : keyIndex));
        UpstreamInvoker.SetConnectTimeout(message, channel);
        if (stream)
        {
            message.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
        }

        HttpResponseMessage response;
        var sentAt = _time.GetTimestamp();
        try
        {
            response = await _upstream.Invoker.SendAsync(message, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            RelayMetering.MarkClientClosed(call.Log);
            throw;
        }
        catch (OperationCanceledException)
        {
            _health.ReportFailure(channel.Id, keyIndex, ChannelFailureKind.Transient, "timeout");
            return (null, body, 504, "The upstream did not answer in time.", "upstream_timeout");
        }
        catch (HttpRequestException ex)
        {
            var reason = RelayKeys.Scrub($"Could not reach the upstream: {ex.Message}", channel.Keys);
            _health.ReportFailure(channel.Id, keyIndex, ChannelFailureKind.Transient, reason);
            return (null, body, 502, reason, "upstream_unreachable");
        }

        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            _health.ReportSuccess(channel.Id, keyIndex);
            channel.Load.RecordFirstByte(_time.GetElapsedTime(sentAt));
            return (response, body, status, null, null);
        }

        using (response)
        {
            using var errorBody = new PooledBuffer(4096);
            try
            {
                var stream2 = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
                await ReadLimitedAsync(stream2, errorBody, MaxErrorBodySize, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                RelayMetering.MarkClientClosed(call.Log);
                throw;
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
            {
                // The status line is enough to decide; the body is best-effort.
            }

            var kind = ChannelFailureClassifier.Classify(status, errorBody.WrittenSpan, out var code, out var text);
            var upstreamMessage = RelayKeys.Scrub(text ?? $"The upstream answered {status}.", channel.Keys);
            if (kind is { } failureKind)
            {
                _health.ReportFailure(channel.Id, keyIndex, failureKind, $"{status}: {upstreamMessage}");
                return (null, body, status, upstreamMessage, code);
            }

            // The caller's own mistake (400, 404, 413, 422, ...): no other channel would answer differently.
            throw Fail(call.Log, status, code ?? "invalid_request", upstreamMessage);
        }
    }

    // Classifies what a channel's IChatClient threw, as ChannelFailureClassifier does for HTTP answers.
    private AttemptOutcome<T> FailureOf<T>(RelayCall call, ChannelEntry channel, int keyIndex, Exception ex)
        where T : class
    {
        var status = ex switch
        {
            HttpRequestException { StatusCode: { } code } => (int)code,
            RelayChatClientException { StatusCode: > 0 } relay => relay.StatusCode,
            OperationCanceledException => 504,
            _ => 0,
        };
        var message = RelayKeys.Scrub(ex.Message, channel.Keys);
        var kind = ChannelFailureClassifier.Classify(status, (ex as RelayChatClientException)?.ErrorCode, message);
        if (kind is not { } failureKind)
        {
            throw Fail(call.Log, status, "invalid_request", message, ex);
        }

        _health.ReportFailure(channel.Id, keyIndex, failureKind, $"{status}: {message}");
        return AttemptOutcome<T>.Failure(status == 0 ? 502 : status, message, status == 504 ? "upstream_timeout" : "upstream_error");
    }

    // The OpenAI Chat body of a call: what an HTTP channel is sent (before conversion), and what an estimate counts.
    private static byte[] UpstreamBody(IReadOnlyList<ChatMessage> messages, ChatOptions? options, string upstreamModel, bool stream) =>
        WireJson.Serialize(OpenAIChatRequestMapper.ToOpenAIRequest(messages, options, upstreamModel, stream), WireJson.Context.ChatCompletionRequest);

    private IChatClient? ResolveChatClient(ChannelEntry channel, out string key)
    {
        key = ChatClientAdapter.KeyOf(channel.BaseUrl);
        return _services.GetKeyedService<IChatClient>(key);
    }

    private static AttemptOutcome<T> MissingClient<T>(string key)
        where T : class =>
        AttemptOutcome<T>.Failure(502, $"No IChatClient is registered with the key '{key}'.", "chat_client_missing");

    private static ChatOptions WithModel(ChatOptions? options, string model)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        copy.ModelId = model;
        return copy;
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
