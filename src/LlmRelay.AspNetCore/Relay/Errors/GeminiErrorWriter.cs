using System.Buffers;
using System.Text.Json;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay.Errors;

/// <summary>Gemini: <c>{"error":{"code","message","status"}}</c>.</summary>
internal sealed class GeminiErrorWriter : RelayErrorWriter
{
    public override void WriteStreamError(IBufferWriter<byte> output, RelayErrorKind kind, string message)
    {
        output.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(output))
        {
            WriteBody(writer, 500, kind, message, null, null);
        }

        output.Write("\r\n\r\n"u8);
    }

    protected override void WriteBody(Utf8JsonWriter writer, int status, RelayErrorKind kind, string message, string? code, string? param)
    {
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
    }
}
