using System.Buffers;
using System.Text.Json;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay.Errors;

/// <summary>OpenAI: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed class OpenAIErrorWriter : RelayErrorWriter
{
    public override void WriteStreamError(IBufferWriter<byte> output, RelayErrorKind kind, string message)
    {
        output.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(output))
        {
            WriteBody(writer, 0, kind, message, "upstream_interrupted", null);
        }

        output.Write("\n\ndata: [DONE]\n\n"u8);
    }

    protected override void WriteBody(Utf8JsonWriter writer, int status, RelayErrorKind kind, string message, string? code, string? param)
    {
        writer.WriteStartObject();
        WriteError(writer, kind, message, code, param);
        writer.WriteEndObject();
    }

    /// <summary>Writes the <c>"error"</c> property: <c>{"message","type","param","code"}</c>.</summary>
    internal static void WriteError(Utf8JsonWriter writer, RelayErrorKind kind, string message, string? code, string? param)
    {
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, kind switch
        {
            RelayErrorKind.InvalidRequest or RelayErrorKind.NotFound or RelayErrorKind.RequestTooLarge => "invalid_request_error",
            RelayErrorKind.Authentication => "authentication_error",
            RelayErrorKind.Permission => "permission_error",
            RelayErrorKind.RateLimited => "rate_limit_error",
            RelayErrorKind.InsufficientQuota => "insufficient_quota",
            _ => "upstream_error",
        });
        WriteNullable(writer, "param"u8, param);
        WriteNullable(writer, "code"u8, code);
        writer.WriteEndObject();
    }
}
