using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Writes errors in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class OpenAIErrors
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string Permission = "permission_error";
    public const string Upstream = "upstream_error";
    public const string InsufficientQuota = "insufficient_quota";

    public static async Task WriteAsync(HttpContext context, int status, string message, string type, string? code = null, string? param = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        Write(context.Response.BodyWriter, message, type, code, param);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes the error object (no SSE framing) to <paramref name="output"/>.</summary>
    public static void Write(System.Buffers.IBufferWriter<byte> output, string message, string type, string? code, string? param)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, type);
        WriteNullable(writer, "param"u8, param);
        WriteNullable(writer, "code"u8, code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
