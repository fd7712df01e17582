using System.Buffers;
using System.Text.Json;
using LlmRelay.Pipeline;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Relay.Errors;

/// <summary>Writes errors in one API family's own shape, as a JSON body or as an event inside a started stream.</summary>
internal abstract class RelayErrorWriter
{
    public static RelayErrorWriter OpenAI { get; } = new OpenAIErrorWriter();

    public static RelayErrorWriter Anthropic { get; } = new AnthropicErrorWriter();

    public static RelayErrorWriter Gemini { get; } = new GeminiErrorWriter(jsonArray: false);

    /// <summary>Gets Gemini's writer for <c>streamGenerateContent</c> without <c>alt=sse</c>, where Google wraps an error body in an array.</summary>
    public static RelayErrorWriter GeminiJsonArray { get; } = new GeminiErrorWriter(jsonArray: true);

    public async Task WriteAsync(HttpContext context, int status, RelayErrorKind kind, string message, string? code = null, string? param = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            WriteBody(writer, status, kind, message, code, param);
        }

        try
        {
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The caller is gone.
        }
    }

    /// <summary>Writes an error event (SSE framing included) for a stream that already started.</summary>
    public abstract void WriteStreamError(IBufferWriter<byte> output, RelayErrorKind kind, string message);

    protected abstract void WriteBody(Utf8JsonWriter writer, int status, RelayErrorKind kind, string message, string? code, string? param);

    protected static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
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
