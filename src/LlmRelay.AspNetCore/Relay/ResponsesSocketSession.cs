using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Formats;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Sse;
using LlmRelay.Pipeline;
using LlmRelay.Tokenization;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>One accepted Responses WebSocket: reads client messages one at a time and relays each <c>response.create</c> as <c>POST /v1/responses</c> would.</summary>
/// <remarks>
/// <code>
/// text message ─► ResponsesSocketChain.Prepare (type; the HTTP body) ─► ResponsesChain (previous_response_id expanded, as over HTTP)
///   response.create ─► key re-checked ─► validated like the HTTP body ─► RelayPipeline (allow-list, quota, selection,
///                      failover, conversion) ─► every SSE event of the answer sent as one text message ─► usage-log row
///   generate:false  ─► response.created + response.completed, no upstream, nothing billed
///   response.processed ─► nothing
///   anything else   ─► an error event (ResponsesSocketErrorWriter); the socket stays open
/// </code>
/// One response at a time, as the protocol has it: the next message is read once the current response ended. Failover
/// happens only before the first event was sent; after that an upstream failure is an error event, and what was sent is
/// billed. The client's close is answered with a normal close; a key refused later (disabled, expired, out of quota)
/// gets its error event and the socket is closed with 1008. Not thread-safe: one instance per socket.
/// </remarks>
internal sealed partial class ResponsesSocketSession(ResponsesSocketEndpoint endpoint, HttpContext context, WebSocket socket, string key) : IDisposable
{
    private const int ReceiveChunk = 8 * 1024;

    private readonly PooledBufferWriter _message = new();
    private readonly PooledBufferWriter _body = new();
    private readonly PooledBufferWriter _outgoing = new();
    private readonly List<int> _lengths = [];
    private readonly ResponsesSocketChain _chain = new();
    private int _responses;

    private enum Received
    {
        Text,
        Binary,
        TooLarge,
        Closed,
    }

    private CancellationToken Aborted => context.RequestAborted;

    public async Task RunAsync()
    {
        try
        {
            while (true)
            {
                var received = await ReceiveAsync().ConfigureAwait(false);
                switch (received)
                {
                    case Received.Closed:
                        if (socket.State == WebSocketState.CloseReceived)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Aborted).ConfigureAwait(false);
                        }

                        return;
                    case Received.Binary:
                        await SendErrorAsync(400, RelayErrorKind.InvalidRequest, "The Responses WebSocket takes JSON text messages.", "invalid_message_type", null).ConfigureAwait(false);
                        break;
                    case Received.TooLarge:
                        await SendErrorAsync(413, RelayErrorKind.RequestTooLarge, $"The message is larger than {endpoint.Options.MaxRequestBodySize} bytes.", "request_too_large", null).ConfigureAwait(false);
                        break;
                    default:
                        if (!await HandleMessageAsync().ConfigureAwait(false))
                        {
                            return;
                        }

                        break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away; a response in flight was marked and billed by the streaming code.
        }
    }

    public void Dispose()
    {
        _message.Dispose();
        _body.Dispose();
        _outgoing.Dispose();
    }

    // Reads one whole message into _message; a message over the request size limit is read to its end and dropped.
    private async ValueTask<Received> ReceiveAsync()
    {
        _message.Clear();
        var limit = endpoint.Options.MaxRequestBodySize;
        var tooLarge = false;
        while (true)
        {
            var result = await socket.ReceiveAsync(_message.GetMemory(ReceiveChunk), Aborted).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return Received.Closed;
            }

            _message.Advance(result.Count);
            if (_message.WrittenCount > limit)
            {
                tooLarge = true;
                _message.Clear();
            }

            if (result.EndOfMessage)
            {
                return tooLarge ? Received.TooLarge : result.MessageType == WebSocketMessageType.Binary ? Received.Binary : Received.Text;
            }
        }
    }

    /// <returns><see langword="false"/> when the socket is to be closed (the key was refused).</returns>
    private async Task<bool> HandleMessageAsync()
    {
        var started = endpoint.Time.GetTimestamp();
        if (!System.Text.Unicode.Utf8.IsValid(_message.WrittenSpan))
        {
            await SendErrorAsync(400, RelayErrorKind.InvalidRequest, "We could not parse the JSON of your message: it is not valid UTF-8.", "invalid_json", null).ConfigureAwait(false);
            return true;
        }

        var message = _chain.Prepare(_message.WrittenSpan, _body);
        switch (message)
        {
            case ResponsesSocketChain.Message.Processed:
                return true;
            case ResponsesSocketChain.Message.Invalid:
                await SendErrorAsync(400, RelayErrorKind.InvalidRequest, "We could not parse the JSON of your message: it must be an object with a string 'type'.", "invalid_json", null).ConfigureAwait(false);
                return true;
            case ResponsesSocketChain.Message.Unsupported:
                await SendErrorAsync(400, RelayErrorKind.InvalidRequest, "The Responses WebSocket serves 'response.create' (and takes 'response.processed'); no other event type.", "unsupported_event_type", "type").ConfigureAwait(false);
                return true;
        }

        // The key was checked at the upgrade; a long-lived socket checks it again for every response, from the cache.
        var token = await endpoint.Tokens.FindAsync(key, Aborted).ConfigureAwait(false);
        var refusal = TokenChecks.Check(token, context.Connection.RemoteIpAddress, endpoint.Time.GetUtcNow());
        if (refusal != TokenRefusal.None)
        {
            var error = TokenChecks.ErrorOf(refusal, key, token);
            await SendErrorAsync(error.Status, error.Kind, error.Message, error.Code, null).ConfigureAwait(false);
            await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, error.Code, Aborted).ConfigureAwait(false);
            return false;
        }

        if (_body.WrittenCount > endpoint.Options.MaxRequestBodySize)
        {
            await SendErrorAsync(413, RelayErrorKind.RequestTooLarge, $"The message is larger than {endpoint.Options.MaxRequestBodySize} bytes.", "request_too_large", null).ConfigureAwait(false);
            return true;
        }

        var invalid = OpenAIChatRequestReader.TryRead(_body.WrittenSpan, RequestShape.OpenAIResponses, out var request);
        if (invalid is null && request.Model.Length == 0)
        {
            invalid = new FormatError(FormatErrorKind.InvalidShape, "you must provide a model parameter", "model");
        }

        if (invalid is not null)
        {
            await SendErrorAsync(400, RelayErrorKind.InvalidRequest, invalid.Message, invalid.Kind == FormatErrorKind.InvalidJson ? "invalid_json" : null, invalid.Code).ConfigureAwait(false);
            return true;
        }

        // A previous_response_id (of this socket's last response, or any earlier turn of this key) expands as over HTTP.
        var (previous, unavailable) = await ResponsesChain.FindPreviousAsync(endpoint.Responses, request.PreviousResponseId, token!.Id, Aborted).ConfigureAwait(false);
        ResponsesChain? chain = null;
        if ((unavailable ?? ResponsesChain.TryOpen(_body.WrittenSpan, request.PreviousResponseId, previous, endpoint.Options.MaxRequestBodySize, out chain)) is { } refused)
        {
            await SendErrorAsync(refused).ConfigureAwait(false);
            return true;
        }

        using (chain)
        {
            if (message == ResponsesSocketChain.Message.Warmup)
            {
                await SendWarmupAsync(chain!, token.Id).ConfigureAwait(false);
            }
            else
            {
                await RelayAsync(token, request, started, chain!).ConfigureAwait(false);
            }
        }

        return true;
    }

    private async Task RelayAsync(TokenEntry token, OpenAIChatRequestInfo request, long started, ResponsesChain chain)
    {
        var route = InboundRoute.OpenAIResponses;
        using var content = new CallerBody(route, _body, request, endpoint.Options.AnthropicDefaultMaxTokens) { Chain = chain };
        var relayRequest = new RelayRequest
        {
            Token = token,
            Group = token.Group,
            Operation = route.Operation,
            CallerFormat = route.Format,
            RequestedModel = request.Model,
            RoutingModel = endpoint.Models.Resolve(token.Group, request.Model),
            Stream = true,
            Content = content,
            EstimatedPromptTokens = ITokenCounter.EstimateFromBytes(_body.WrittenCount),
            MaxOutputTokens = request.MaxTokens,
            Ip = context.Connection.RemoteIpAddress?.ToString() ?? "",
            // One usage-log row per response: the upgrade request's id, numbered.
            RequestId = context.TraceIdentifier + "/" + (++_responses).ToString(CultureInfo.InvariantCulture),
            ProviderHeaders = ProviderHeaderReader.Read(context.Request.Headers, route.Format),
            PreviousResponseId = request.PreviousResponseId,
        };
        using var call = await endpoint.Pipeline.BeginAsync(relayRequest, started, Aborted).ConfigureAwait(false);
        if (call.Refused)
        {
            await SendErrorAsync(call.Error!).ConfigureAwait(false);
            return;
        }

        RelayAttempt? attempt;
        try
        {
            attempt = await call.NextAttemptAsync(Aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Aborted.IsCancellationRequested)
        {
            return; // The client left; the row says 499.
        }

        if (attempt is null)
        {
            await SendErrorAsync(call.Error!).ConfigureAwait(false);
            return;
        }

        using (attempt)
        {
            await StreamAsync(call, attempt, request, chain).ConfigureAwait(false);
        }
    }

    // A warm-up: the response events of an empty completed response, under an id the next message may continue from.
    private async Task SendWarmupAsync(ResponsesChain chain, long tokenId)
    {
        var id = "resp_" + Guid.NewGuid().ToString("N");
        var created = endpoint.Time.GetUtcNow().ToUnixTimeSeconds();
        _outgoing.Clear();
        _lengths.Clear();
        WriteWarmupEvent(id, created, "response.created", "in_progress");
        var completed = _outgoing.WrittenCount;
        WriteWarmupEvent(id, created, "response.completed", "completed");
        // The completed event's response object is what GET /v1/responses/{id} answers.
        chain.Observe(_outgoing.WrittenSpan[completed..]);
        await chain.CommitAsync(endpoint.Responses, tokenId, default, Aborted).ConfigureAwait(false);
        await SendQueuedAsync().ConfigureAwait(false);
    }

    private void WriteWarmupEvent(string id, long created, string type, string status)
    {
        var before = _outgoing.WrittenCount;
        using (var writer = new Utf8JsonWriter(_outgoing))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, type);
            writer.WriteNumber("sequence_number"u8, _lengths.Count);
            writer.WriteStartObject("response"u8);
            writer.WriteString("id"u8, id);
            writer.WriteString("object"u8, "response"u8);
            writer.WriteNumber("created_at"u8, created);
            writer.WriteString("status"u8, status);
            writer.WriteNull("error"u8);
            writer.WriteString("model"u8, _chain.Model);
            writer.WriteStartArray("output"u8);
            writer.WriteEndArray();
            writer.WriteNull("usage"u8);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        _lengths.Add(_outgoing.WrittenCount - before);
    }

    private Task SendErrorAsync(RelayError error) =>
        error.Status == 499 ? Task.CompletedTask : SendErrorAsync(error.Status, error.Kind, error.Message, error.Code, error.Param);

    private async Task SendErrorAsync(int status, RelayErrorKind kind, string message, string? code, string? param)
    {
        _outgoing.Clear();
        _lengths.Clear();
        ResponsesSocketErrorWriter.WriteEvent(_outgoing, status, kind, message, code, param);
        _lengths.Add(_outgoing.WrittenCount);
        await SendQueuedAsync().ConfigureAwait(false);
    }

    // Sends the messages queued in _outgoing (their lengths in _lengths), one text message each.
    private async ValueTask SendQueuedAsync()
    {
        var offset = 0;
        foreach (var length in _lengths)
        {
            await socket.SendAsync(_outgoing.WrittenMemory.Slice(offset, length), WebSocketMessageType.Text, endOfMessage: true, Aborted).ConfigureAwait(false);
            offset += length;
        }

        _outgoing.Clear();
        _lengths.Clear();
    }
}
