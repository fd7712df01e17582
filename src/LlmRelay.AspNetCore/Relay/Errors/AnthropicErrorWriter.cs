using System.Buffers;
using System.Text.Json;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay.Errors;

/// <summary>Anthropic: <c>{"type":"error","error":{"type","message"}}</c>; in a stream, an <c>event: error</c>.</summary>
internal sealed class AnthropicErrorWriter : RelayErrorWriter
{
    public override void WriteStreamError(IBufferWriter<byte> output, RelayErrorKind kind, string message)
    {
        output.Write("event: error\ndata: "u8);
        using (var writer = new Utf8JsonWriter(output))
        {
            WriteBody(writer, 0, kind, message, null, null);
        }

        output.Write("\n\n"u8);
    }

    protected override void WriteBody(Utf8JsonWriter writer, int status, RelayErrorKind kind, string message, string? code, string? param)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WriteStartObject("error"u8);
        writer.WriteString("type"u8, kind switch
        {
            RelayErrorKind.InvalidRequest => "invalid_request_error",
            RelayErrorKind.Authentication => "authentication_error",
            RelayErrorKind.Permission or RelayErrorKind.InsufficientQuota => "permission_error",
            RelayErrorKind.NotFound => "not_found_error",
            RelayErrorKind.RequestTooLarge => "request_too_large",
            RelayErrorKind.RateLimited => "rate_limit_error",
            RelayErrorKind.Unavailable => "overloaded_error",
            RelayErrorKind.Timeout => "timeout_error",
            _ => "api_error",
        });
        writer.WriteString("message"u8, message);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
