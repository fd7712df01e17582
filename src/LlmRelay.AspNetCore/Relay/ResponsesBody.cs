using System.Buffers;
using System.Text.Json;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Byte-level rewrites of a <c>/v1/responses</c> body: its properties copied as they came, some left out, others added after them.</summary>
/// <remarks>
/// The body was validated (<c>OpenAIChatRequestReader</c>) before any of these run, so it is one JSON object. Shared by the
/// WebSocket route (its envelope removed), <c>previous_response_id</c> chains (the whole history as <c>input</c>) and the
/// compaction turn (issue #16), so that each writes only what it adds.
/// </remarks>
internal static class ResponsesBody
{
    /// <summary>Top-level properties a copy leaves out.</summary>
    [Flags]
    public enum Omit
    {
        /// <summary>Nothing.</summary>
        None = 0,

        /// <summary>The WebSocket's own <c>type</c> and <c>generate</c>.</summary>
        SocketEnvelope = 1,

        /// <summary><c>stream</c>.</summary>
        Stream = 2,

        /// <summary><c>input</c> and <c>previous_response_id</c>, which the copy replaces with the whole history.</summary>
        Chain = 4,

        /// <summary><c>tool_choice</c>.</summary>
        ToolChoice = 8,
    }

    /// <summary>Writes <c>{</c> and every top-level property of <paramref name="body"/> not left out, byte for byte; the object is left open.</summary>
    /// <param name="body">The JSON object.</param>
    /// <param name="omit">What to leave out.</param>
    /// <param name="output">Where to write.</param>
    /// <param name="hasTools">Whether the body declares a non-empty <c>tools</c> array.</param>
    /// <returns>Whether a property was written (the next one needs a comma).</returns>
    public static bool OpenCopy(ReadOnlySpan<byte> body, Omit omit, IBufferWriter<byte> output, out bool hasTools)
    {
        hasTools = false;
        output.Write("{"u8);
        var written = false;
        var reader = new Utf8JsonReader(body);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            var skip = Omits(ref reader, omit);
            var isTools = reader.ValueTextEquals("tools"u8);
            reader.Read();
            if (isTools && reader.TokenType == JsonTokenType.StartArray)
            {
                var probe = reader;
                hasTools = probe.Read() && probe.TokenType != JsonTokenType.EndArray;
            }

            reader.Skip();
            if (skip)
            {
                continue;
            }

            if (written)
            {
                output.Write(","u8);
            }

            output.Write(body[start..(int)reader.BytesConsumed]);
            written = true;
        }

        return written;
    }

    /// <summary>Writes the body's <c>input</c> as a list of items: an array's elements as they are, a string as the user message it stands for.</summary>
    /// <param name="body">The validated JSON object.</param>
    /// <param name="items">Where the items go, comma-separated, without brackets.</param>
    /// <returns>The value of <c>store</c>: <see langword="false"/> only when the body says <c>"store":false</c>.</returns>
    public static bool ReadInput(ReadOnlySpan<byte> body, IBufferWriter<byte> items)
    {
        var store = true;
        var reader = new Utf8JsonReader(body);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isInput = reader.ValueTextEquals("input"u8);
            var isStore = reader.ValueTextEquals("store"u8);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            var kind = reader.TokenType;
            store &= !isStore || kind != JsonTokenType.False;
            reader.Skip();
            if (!isInput)
            {
                continue;
            }

            var value = body[start..(int)reader.BytesConsumed];
            if (kind == JsonTokenType.String)
            {
                items.Write("{\"role\":\"user\",\"content\":"u8);
                items.Write(value);
                items.Write("}"u8);
            }
            else if (kind == JsonTokenType.StartArray)
            {
                items.Write(value[1..^1].Trim(" \t\r\n"u8));
            }
        }

        return store;
    }

    private static bool Omits(ref Utf8JsonReader reader, Omit omit) =>
        ((omit & Omit.SocketEnvelope) != 0 && (reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("generate"u8)))
        || ((omit & Omit.Stream) != 0 && reader.ValueTextEquals("stream"u8))
        || ((omit & Omit.Chain) != 0 && (reader.ValueTextEquals("input"u8) || reader.ValueTextEquals("previous_response_id"u8)))
        || ((omit & Omit.ToolChoice) != 0 && reader.ValueTextEquals("tool_choice"u8));
}
