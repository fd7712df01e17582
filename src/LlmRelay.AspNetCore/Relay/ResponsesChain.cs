using System.Buffers;
using System.Text.Json;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Scaling.Responses;
using LlmRelay.Formats;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Sse;
using LlmRelay.Pipeline;
using LlmRelay.Providers;
using LlmRelay.Responses;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>One <c>/v1/responses</c> call's place in its conversation: the earlier turns it continues, and the turn it adds once answered (issue #16).</summary>
/// <remarks>
/// <code>
/// Open: previous_response_id ─► IResponseStorage.FindTurnAsync (this key's only; else 400 previous_response_not_found, no upstream)
///       ─► Expanded: the body with "input": [every earlier item…, this call's items…] and no previous_response_id
/// Adapt (per attempt): an OpenAI Responses channel that stored the previous response itself gets the caller's body (the id);
///       any other channel, or that one after a failover elsewhere, gets Expanded (converted to its family as usual)
/// answer: output items read from the whole answer (ReadAnswer) or from its stream's events (ObserveSse/Observe)
/// Commit ─► IResponseStorage.StoreAsync(id, key, response, ResponseTurn(previous, this call's items + output, channel, stored upstream))
/// </code>
/// The HTTP route (streamed or not) and the WebSocket route record every turn the same way, so a chain may move between
/// them and between channel families. Not thread-safe: one instance per call.
/// </remarks>
internal sealed class ResponsesChain : IDisposable
{
    private readonly PooledBufferWriter _items = new(1024);
    private readonly int _ownLength;
    private readonly bool _store;
    private PooledBufferWriter? _expanded;
    private OpenAIChatRequestInfo _expandedInfo;
    private SseEventReader? _events;
    private bool _outputStarted;
    private string? _id;
    private byte[]? _response;

    private ResponsesChain(ReadOnlySpan<byte> body, ResponseTurn? previous)
    {
        Previous = previous;
        _store = ResponsesBody.ReadInput(body, _items);
        _ownLength = _items.WrittenCount;
    }

    /// <summary>Gets the turn the call continues, or <see langword="null"/>.</summary>
    public ResponseTurn? Previous { get; }

    /// <summary>Finds the turn a call continues, only among <paramref name="tokenId"/>'s (on every instance when the store is shared).</summary>
    /// <returns>
    /// The turn, or <see langword="null"/> when <paramref name="previousResponseId"/> is empty, unknown, expired or another token's;
    /// or the caller's 503 error when the shared store cannot be reached.
    /// </returns>
    public static async ValueTask<(ResponseTurn? Turn, RelayError? Error)> FindPreviousAsync(IResponseStorage store, string? previousResponseId, long tokenId, CancellationToken cancellationToken)
    {
        if (previousResponseId is not { Length: > 0 })
        {
            return default;
        }

        try
        {
            return (await store.FindTurnAsync(previousResponseId, tokenId, cancellationToken).ConfigureAwait(false), null);
        }
        catch (ResponseStoreUnavailableException)
        {
            return (null, ResponseStoreUnavailableException.Error);
        }
    }

    /// <summary>Opens the chain of a validated body on the turn it continues (<see cref="FindPreviousAsync"/>) and writes the expanded body.</summary>
    /// <returns><see langword="null"/>, or the caller's error (400 <c>previous_response_not_found</c>, 413 when the history is too large).</returns>
    public static RelayError? TryOpen(ReadOnlySpan<byte> body, string? previousResponseId, ResponseTurn? previous, long maxBodySize, out ResponsesChain? chain)
    {
        chain = null;
        if (previousResponseId is { Length: > 0 })
        {
            if (previous is null)
            {
                // Unknown, expired or another key's: all read the same, so ids cannot be probed. Never sent upstream either, where
                // the account that holds every key's responses would find it.
                return new RelayError(400, RelayErrorKind.InvalidRequest, $"Previous response with id '{previousResponseId}' not found.", "previous_response_not_found", "previous_response_id");
            }

            if (previous.HistoryLength + body.Length > maxBodySize)
            {
                return new RelayError(413, RelayErrorKind.RequestTooLarge, $"The request, earlier turns included, is larger than {maxBodySize} bytes.", "request_too_large");
            }
        }

        chain = new ResponsesChain(body, previous);
        if (previous is not null)
        {
            chain.Expand(body);
        }

        return null;
    }

    /// <summary>Returns what an attempt under <paramref name="plan"/> sends: the caller's body, or the expanded one.</summary>
    public ReadOnlyMemory<byte> BodyFor(in RelayPlan plan, ReadOnlyMemory<byte> body, ref OpenAIChatRequestInfo request)
    {
        if (_expanded is null || PassesId(plan))
        {
            return body;
        }

        request = _expandedInfo;
        return _expanded.WrittenMemory;
    }

    /// <summary>Writes the whole conversation so far (earlier turns, then this call's input items), comma-separated, without brackets.</summary>
    /// <returns>Whether anything was written.</returns>
    public bool WriteHistory(IBufferWriter<byte> output)
    {
        var written = Previous?.WriteItems(output) ?? false;
        if (_ownLength > 0)
        {
            if (written)
            {
                output.Write(","u8);
            }

            output.Write(_items.WrittenSpan[.._ownLength]);
            written = true;
        }

        return written;
    }

    /// <summary>Reads the output items and id of a whole Responses answer.</summary>
    public void ReadAnswer(ReadOnlySpan<byte> answer)
    {
        try
        {
            var reader = new Utf8JsonReader(answer);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                var isOutput = reader.ValueTextEquals("output"u8);
                reader.Read();
                if (isId && reader.TokenType == JsonTokenType.String)
                {
                    _id = reader.GetString();
                }
                else if (isOutput && reader.TokenType == JsonTokenType.StartArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    AppendOutput(answer[start..(int)reader.BytesConsumed][1..^1].Trim(" \t\r\n"u8));
                    continue;
                }

                reader.Skip();
            }

            _response = answer.ToArray();
        }
        catch (JsonException)
        {
            _id = null; // Not a response object: nothing to keep.
        }
    }

    /// <summary>Notes the SSE events in <paramref name="sse"/> (any framing; the rest waits for the next call or <paramref name="flush"/>).</summary>
    public void ObserveSse(ReadOnlySpan<byte> sse, bool flush = false)
    {
        _events ??= new SseEventReader();
        while (_events.TryRead(ref sse, out _, out var data))
        {
            Observe(data);
        }

        if (flush && _events.TryFlush(out _, out var last))
        {
            Observe(last);
        }
    }

    /// <summary>Notes one streamed event's JSON: an output item done, or the response's end (its id and object).</summary>
    public void Observe(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
            {
                return;
            }

            // Every producer (OpenAI, the gateway's encoder) writes "type" first: most events (deltas) end here.
            if (reader.ValueTextEquals("type"u8) && reader.Read() && !reader.ValueTextEquals("response.output_item.done"u8)
                && !reader.ValueTextEquals("response.completed"u8) && !reader.ValueTextEquals("response.incomplete"u8))
            {
                return;
            }

            ObserveRest(data);
        }
        catch (JsonException)
        {
            // Not an event the chain reads; the caller still gets it.
        }
    }

    /// <summary>Keeps a warm-up (<c>generate:false</c>, no upstream) under <paramref name="id"/>: its input, no output, for the next message to continue.</summary>
    public ValueTask<string?> CommitWarmupAsync(IResponseStorage store, long tokenId, string id, ReadOnlySpan<byte> response, CancellationToken cancellationToken)
    {
        _id = id;
        _response = response.ToArray();
        return CommitAsync(store, tokenId, default, cancellationToken);
    }

    /// <summary>Keeps the answered turn under its response id, readable and continuable only by <paramref name="tokenId"/>.</summary>
    /// <returns>The response id, or <see langword="null"/> when the answer had none (nothing kept).</returns>
    public ValueTask<string?> CommitAsync(IResponseStorage store, long tokenId, in RelayPlan plan, CancellationToken cancellationToken)
    {
        if (_id is null || tokenId == 0)
        {
            return default;
        }

        // The upstream keeps the response itself only on the Responses API, unless asked not to (Codex sends store:false).
        var storedUpstream = _store && plan.PassThrough && plan.Operation == RelayOperation.Responses;
        var turn = new ResponseTurn(Previous, _items.WrittenSpan.ToArray(), plan.ChannelId, storedUpstream);
        return StoreAsync(store, tokenId, _id, _response ?? [], turn, cancellationToken);
    }

    private static async ValueTask<string?> StoreAsync(IResponseStorage store, long tokenId, string id, byte[] response, ResponseTurn turn, CancellationToken cancellationToken)
    {
        await store.StoreAsync(id, tokenId, response, turn, cancellationToken).ConfigureAwait(false);
        return id;
    }

    public void Dispose()
    {
        _items.Dispose();
        _expanded?.Dispose();
        _events?.Dispose();
    }

    // The caller's body may go as it is only to the OpenAI Responses channel that stored the previous response.
    private bool PassesId(in RelayPlan plan) =>
        Previous is { StoredUpstream: true } previous && plan.PassThrough && plan.Operation is RelayOperation.Responses or RelayOperation.ResponsesCompact
        && plan.ChannelId == previous.ChannelId;

    private void Expand(ReadOnlySpan<byte> body)
    {
        var expanded = _expanded = new PooledBufferWriter(body.Length + (int)Math.Min(Previous!.HistoryLength, int.MaxValue / 2) + 64);
        if (ResponsesBody.OpenCopy(body, ResponsesBody.Omit.Chain, expanded, out _))
        {
            expanded.Write(","u8);
        }

        expanded.Write("\"input\":["u8);
        WriteHistory(expanded);
        expanded.Write("]}"u8);
        OpenAIChatRequestReader.TryRead(expanded.WrittenSpan, RequestShape.OpenAIResponses, out _expandedInfo);
    }

    private void AppendOutput(ReadOnlySpan<byte> items)
    {
        if (items.IsEmpty)
        {
            return;
        }

        if (_items.WrittenCount > 0)
        {
            _items.Write(","u8);
        }

        _items.Write(items);
        _outputStarted = true;
    }

    // The rest of an event that matters (its type is read again; "type" may not come first).
    private void ObserveRest(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        reader.Read();
        var itemDone = false;
        var ended = false;
        ReadOnlySpan<byte> item = default;
        ReadOnlySpan<byte> response = default;
        string? id = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                itemDone = reader.ValueTextEquals("response.output_item.done"u8);
                ended = reader.ValueTextEquals("response.completed"u8) || reader.ValueTextEquals("response.incomplete"u8);
            }
            else if (reader.ValueTextEquals("item"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                item = data[start..(int)reader.BytesConsumed];
            }
            else if (reader.ValueTextEquals("response"u8) && reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                var start = (int)reader.TokenStartIndex;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isId = reader.ValueTextEquals("id"u8);
                    reader.Read();
                    if (isId && reader.TokenType == JsonTokenType.String)
                    {
                        id = reader.GetString();
                    }

                    reader.Skip();
                }

                response = data[start..(int)reader.BytesConsumed];
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (itemDone && !item.IsEmpty)
        {
            AppendOutput(item);
        }
        else if (ended && id is not null)
        {
            if (!_outputStarted)
            {
                // No output_item.done events: the terminal event's response object carries the output (OpenAI sends it there too).
                ReadAnswer(response);
            }

            _id = id;
            _response = response.ToArray();
        }
    }
}
