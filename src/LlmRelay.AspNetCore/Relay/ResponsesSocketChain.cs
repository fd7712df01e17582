using System.Buffers;
using System.Text.Json;
using LlmRelay.AspNetCore.Internal;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Reads one Responses WebSocket client message and, for a <c>response.create</c>, writes the body <c>POST /v1/responses</c> would get.</summary>
/// <remarks>
/// <code>
/// {"type":"response.create", ...body...}  ─►  {...body..., "stream":true}      (no type, generate, stream)
/// </code>
/// Codex (<c>codex-rs/core/src/client.rs</c>) continues a response on the same socket by sending only the items after
/// the last request's input and the output it received, with that response's id. Every turn, over the socket or HTTP, is kept
/// in the response store with its items (<see cref="ResponsesChain"/>), so such a message is expanded like an HTTP call naming
/// <c>previous_response_id</c>: no upstream has to hold the state (Codex sends <c>store:false</c>), and any channel family can
/// serve the next turn. A <c>generate:false</c> warm-up produces an id without calling any upstream (nothing to bill).
/// Stateless apart from <see cref="Model"/>: one instance per socket, which handles one message at a time.
/// </remarks>
internal sealed class ResponsesSocketChain
{
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
        Model = "";
        if (!TryScan(message, out var scan))
        {
            return Message.Invalid;
        }

        if (!message.Slice(scan.TypeStart, scan.TypeLength).SequenceEqual("\"response.create\""u8))
        {
            return message.Slice(scan.TypeStart, scan.TypeLength).SequenceEqual("\"response.processed\""u8) ? Message.Processed : Message.Unsupported;
        }

        Model = scan.Model ?? "";
        if (ResponsesBody.OpenCopy(message, ResponsesBody.Omit.SocketEnvelope | ResponsesBody.Omit.Stream, body, out _))
        {
            body.Write(","u8);
        }

        body.Write("\"stream\":true}"u8);
        return scan.Generate ? Message.Create : Message.Warmup;
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
                else if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    scan.Model = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
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

    private struct Scan
    {
        public int TypeStart;
        public int TypeLength;
        public bool Generate;
        public string? Model;
    }
}
