using System.Buffers;
using System.Text.Json;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay.Errors;

/// <summary>The Responses WebSocket's error event: <c>{"type":"error","status":N,"error":{"message","type","param","code"}}</c>.</summary>
/// <remarks>
/// The OpenAI error object inside the event the Responses API sends on a WebSocket; Codex reads a non-2xx <c>status</c> as
/// the HTTP status of the response it asked for (<c>codex-api/src/endpoint/responses_websocket.rs</c>), so a refusal reads
/// exactly as it does over HTTP. Inside a started response (a pass-through stream cut short) the same event is written
/// SSE-framed, and the socket's framer sends its data as one message.
/// </remarks>
internal sealed class ResponsesSocketErrorWriter : RelayErrorWriter
{
    public static ResponsesSocketErrorWriter Instance { get; } = new();

    /// <summary>Writes the error event as one WebSocket message's text.</summary>
    public static void WriteEvent(IBufferWriter<byte> output, int status, RelayErrorKind kind, string message, string? code, string? param)
    {
        using var writer = new Utf8JsonWriter(output);
        WriteEvent(writer, status, kind, message, code, param);
    }

    public override void WriteStreamError(IBufferWriter<byte> output, RelayErrorKind kind, string message)
    {
        output.Write("data: "u8);
        WriteEvent(output, 502, kind, message, "upstream_interrupted", null);
        output.Write("\n\n"u8);
    }

    protected override void WriteBody(Utf8JsonWriter writer, int status, RelayErrorKind kind, string message, string? code, string? param) =>
        WriteEvent(writer, status, kind, message, code, param);

    private static void WriteEvent(Utf8JsonWriter writer, int status, RelayErrorKind kind, string message, string? code, string? param)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WriteNumber("status"u8, status);
        OpenAIErrorWriter.WriteError(writer, kind, message, code, param);
        writer.WriteEndObject();
    }
}
