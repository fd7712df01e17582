using System.Buffers;
using System.Text.Json;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay.Errors;

/// <summary>Gemini: <c>{"error":{"code","message","status"}}</c>, or <c>[{"error":{...}}]</c> for the streamed-array form of <c>streamGenerateContent</c>.</summary>
internal sealed class GeminiErrorWriter(bool jsonArray) : RelayErrorWriter
{
    public override void WriteStreamError(IBufferWriter<byte> output, RelayErrorKind kind, string message)
    {
        if (jsonArray)
        {
            // The array's pump writes the error element itself: only it knows whether an element came before (issue #16).
            throw new InvalidOperationException("A streamed JSON array reports errors through its pump, not as an SSE event.");
        }

        output.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(output))
        {
            WriteBody(writer, 500, kind, message, null, null);
        }

        output.Write("\r\n\r\n"u8);
    }

    protected override void WriteBody(Utf8JsonWriter writer, int status, RelayErrorKind kind, string message, string? code, string? param)
    {
        if (jsonArray)
        {
            writer.WriteStartArray();
        }

        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteNumber("code"u8, status);
        writer.WriteString("message"u8, message);
        writer.WriteString("status"u8, kind switch
        {
            RelayErrorKind.InvalidRequest or RelayErrorKind.RequestTooLarge => "INVALID_ARGUMENT",
            RelayErrorKind.Authentication => "UNAUTHENTICATED",
            RelayErrorKind.Permission => "PERMISSION_DENIED",
            RelayErrorKind.NotFound => "NOT_FOUND",
            RelayErrorKind.RateLimited or RelayErrorKind.InsufficientQuota => "RESOURCE_EXHAUSTED",
            RelayErrorKind.Unavailable => "UNAVAILABLE",
            RelayErrorKind.Timeout => "DEADLINE_EXCEEDED",
            _ => "INTERNAL",
        });
        writer.WriteEndObject();
        writer.WriteEndObject();
        if (jsonArray)
        {
            writer.WriteEndArray();
        }
    }
}
