using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats.Sse;

namespace LlmRelay.Formats.Gemini;

/// <summary>Frames Gemini stream chunks as one streamed JSON array, the way Google answers <c>streamGenerateContent</c> without <c>alt=sse</c>.</summary>
/// <remarks>
/// <code>
/// [{chunk}\n,\r\n{chunk}\n,\r\n{chunk}\n]
/// </code>
/// Byte for byte what generativelanguage.googleapis.com sends (../shared/fixtures/upstream/gemini/streamgeneratecontent-jsonarray-function-call.json):
/// the first element follows <c>[</c> directly, every element ends with <c>\n</c>, later ones start with <c>,\r\n</c>, and
/// <c>]</c> closes the array with no line break after it. Incremental readers (ijson, the SDKs' array readers) cut elements
/// at their closing brace, so each chunk reaches the caller as soon as it is written (issue #16).
/// </remarks>
internal static class GeminiJsonArray
{
    /// <summary>Writes what goes before an element: <c>[</c> for the first, <c>,\r\n</c> for later ones.</summary>
    public static void WriteElementStart(IBufferWriter<byte> output, ref bool opened)
    {
        SseWriter.Write(output, opened ? ",\r\n"u8 : "["u8);
        opened = true;
    }

    /// <summary>Writes what ends an element.</summary>
    public static void WriteElementEnd(IBufferWriter<byte> output) => SseWriter.Write(output, "\n"u8);

    /// <summary>Closes the array (<c>[]</c> when no element was written).</summary>
    public static void WriteClose(IBufferWriter<byte> output, bool opened) => SseWriter.Write(output, opened ? "]"u8 : "[]"u8);

    /// <summary>Writes a Gemini error object, <c>{"error":{"code","message","status"}}</c>, the element that reports a failure inside a started stream.</summary>
    public static void WriteError(Utf8JsonWriter writer, FormatError error)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteNumber("code"u8, error.Kind == FormatErrorKind.UpstreamError ? 500 : 502);
        writer.WriteString("message"u8, error.Message);
        writer.WriteString("status"u8, "INTERNAL"u8);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
