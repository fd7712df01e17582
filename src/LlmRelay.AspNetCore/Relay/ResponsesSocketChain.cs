using System.Buffers;
using System.Text.Json;
using LlmRelay.AspNetCore.Internal;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>One Responses WebSocket's conversation: turns each client message into the body <c>POST /v1/responses</c> would get, and remembers the last response so the next one can continue it.</summary>
/// <remarks>
/// <code>
/// {"type":"response.create", ...body..., "previous_response_id": last id on this socket, "input": [new items]}
///   ─► {...body..., "stream":true, "input": [last input…, last output…, new items…]}   (no type, generate, stream, previous_response_id)
/// </code>
/// Codex (<c>codex-rs/core/src/client.rs</c>) continues a response on the same socket by sending only the items after
/// the last request's input and the output it received, with that response's id. The socket keeps the last request's
/// input and the output items it streamed (<c>response.output_item.done</c>), so the gateway sends every channel the whole
/// conversation, as the HTTP route gets it: no upstream has to hold the state (Codex sends <c>store:false</c>), and any
/// channel family can serve the next turn. An id this socket did not produce goes on unchanged, as over HTTP.
/// A <c>generate:false</c> warm-up produces an id without calling any upstream (nothing to bill).
/// Not thread-safe: one instance per socket, which handles one message at a time.
/// </remarks>
internal sealed class ResponsesSocketChain : IDisposable
{
    private readonly PooledBufferWriter _input = new(4096);
    private readonly PooledBufferWriter _output = new(4096);
    private readonly PooledBufferWriter _pendingInput = new(4096);
    private readonly PooledBufferWriter _pendingOutput = new(4096);
    private string? _lastId;
    private string? _pendingId;

    /// <summary>What a client message asks for.</summary>
    public enum Message
    {
        /// <summary><c>response.create</c>: a response from a channel.</summary>
        Create,

        /// <summary><c>response.create</c> with <c>generate:false</c>: an id to continue from, no model call.</summary>
        Warmup,

        /// <summary><c>response.processed</c>: the client's acknowledgement; nothing to answer.</summary>
        Processed,

        /// <summary>Another event type, which this socket does not serve.</summary>
        Unsupported,

        /// <summary>Not a JSON object, or a <c>type</c> that is not a string.</summary>
        Invalid,
    }

    /// <summary>Gets the model the last prepared message named, or empty.</summary>
    public string Model { get; private set; } = "";

    /// <summary>Reads <paramref name="message"/> and, for a <c>response.create</c>, writes the HTTP route's body for it to <paramref name="body"/>.</summary>
    public Message Prepare(ReadOnlySpan<byte> message, PooledBufferWriter body)
    {
        body.Clear();
        _pendingInput.Clear();
        _pendingOutput.Clear();
        _pendingId = null;
        Model = "";
        if (!TryScan(message, out var scan))
        {
            return Message.Invalid;
        }

        if (!message.Slice(scan.TypeStart, scan.TypeLength).SequenceEqual("\"response.create\""u8))
        {
            return message.Slice(scan.TypeStart, scan.TypeLength).SequenceEqual("\"response.processed\""u8) ? Message.Processed : Message.Unsupported;
        }

        var continues = _lastId is not null && scan.PreviousId == _lastId;
        WriteBody(message, continues, body);
        return scan.Generate ? Message.Create : Message.Warmup;
    }

    /// <summary>Notes one event of the response being streamed: its output items and its id once it completed.</summary>
    /// <param name="data">The event's JSON, as the caller receives it.</param>
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

    /// <summary>Ends the response being streamed: a completed one becomes the one the next message may continue.</summary>
    public void Settle()
    {
        if (_pendingId is null)
        {
            return;
        }

        Commit(_pendingId);
    }

    /// <summary>Makes a warm-up's input, under <paramref name="id"/>, the conversation the next message may continue.</summary>
    public void Commit(string id)
    {
        _lastId = id;
        Swap(_pendingInput, _input);
        Swap(_pendingOutput, _output);
        _pendingId = null;
    }

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _pendingInput.Dispose();
        _pendingOutput.Dispose();
    }

    private static void Swap(PooledBufferWriter from, PooledBufferWriter to)
    {
        to.Clear();
        to.Write(from.WrittenSpan);
        from.Clear();
    }

    private static void AppendItems(PooledBufferWriter items, ReadOnlySpan<byte> more)
    {
        if (more.IsEmpty)
        {
            return;
        }

        if (items.WrittenCount > 0)
        {
            items.Write(","u8);
        }

        items.Write(more);
    }

    private static bool TryScan(ReadOnlySpan<byte> message, out Scan scan)
    {
        scan = default;
        scan.Generate = true;
        try
        {
            var reader = new Utf8JsonReader(message);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return false;
                    }

                    scan.TypeStart = (int)reader.TokenStartIndex;
                    scan.TypeLength = (int)reader.BytesConsumed - scan.TypeStart;
                }
                else if (reader.ValueTextEquals("generate"u8))
                {
                    reader.Read();
                    scan.Generate = reader.TokenType != JsonTokenType.False;
                }
                else if (reader.ValueTextEquals("previous_response_id"u8))
                {
                    reader.Read();
                    scan.PreviousId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return reader.TokenType == JsonTokenType.EndObject && !reader.Read() && scan.TypeLength > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // Copies every property but the socket's own (type, generate, stream) byte for byte, then adds "stream":true and, when
    // the message continues this socket's last response, the whole conversation as "input" in place of the id.
    private void WriteBody(ReadOnlySpan<byte> message, bool continues, PooledBufferWriter body)
    {
        if (continues)
        {
            AppendItems(_pendingInput, _input.WrittenSpan);
            AppendItems(_pendingInput, _output.WrittenSpan);
        }

        var mergeInput = continues;
        body.Write("{"u8);
        var reader = new Utf8JsonReader(message);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            var skip = reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("generate"u8) || reader.ValueTextEquals("stream"u8)
                || (continues && reader.ValueTextEquals("previous_response_id"u8));
            var isInput = reader.ValueTextEquals("input"u8);
            var isModel = reader.ValueTextEquals("model"u8);
            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            if (isModel && reader.TokenType == JsonTokenType.String)
            {
                Model = reader.GetString()!;
            }

            var kind = reader.TokenType;
            reader.Skip();
            var value = message[valueStart..(int)reader.BytesConsumed];
            if (isInput && kind is JsonTokenType.String or JsonTokenType.StartArray)
            {
                // The request's items, string input as the user message it stands for.
                if (kind == JsonTokenType.String)
                {
                    AppendItems(_pendingInput, "{\"role\":\"user\",\"content\":"u8);
                    _pendingInput.Write(value);
                    _pendingInput.Write("}"u8);
                }
                else
                {
                    AppendItems(_pendingInput, value[1..^1].Trim(" \t\r\n"u8));
                }
            }

            if (skip || (isInput && mergeInput)) // a continued conversation's input is written below, after the earlier turns
            {
                continue;
            }

            if (body.WrittenCount > 1)
            {
                body.Write(","u8);
            }

            body.Write(message[start..(int)reader.BytesConsumed]);
        }

        if (body.WrittenCount > 1)
        {
            body.Write(","u8);
        }

        body.Write("\"stream\":true"u8);
        if (mergeInput)
        {
            body.Write(",\"input\":["u8);
            body.Write(_pendingInput.WrittenSpan);
            body.Write("]"u8);
        }

        body.Write("}"u8);
    }

    // The rest of an event that matters (its type is read again; "type" may not come first).
    private void ObserveRest(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        reader.Read();
        var itemDone = false;
        var ended = false;
        ReadOnlySpan<byte> item = default;
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
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (itemDone && !item.IsEmpty)
        {
            AppendItems(_pendingOutput, item);
        }
        else if (ended && id is not null)
        {
            _pendingId = id;
        }
    }

    private struct Scan
    {
        public int TypeStart;
        public int TypeLength;
        public bool Generate;
        public string? PreviousId;
    }
}
