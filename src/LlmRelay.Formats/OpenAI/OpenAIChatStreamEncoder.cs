using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Sse;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.OpenAI;

/// <summary>Writes OpenAI Chat Completions stream chunks, ending with a finish chunk, a usage chunk and <c>[DONE]</c>.</summary>
internal sealed class OpenAIChatStreamEncoder : StreamEncoder
{
    private JsonEncodedText _id;
    private JsonEncodedText _model;

    public OpenAIChatStreamEncoder(StreamConversionOptions options)
        : base(options)
    {
    }

    protected override void OnStart(IBufferWriter<byte> output)
    {
        _id = JsonEncodedText.Encode(Id, Json.WriterOptions.Encoder);
        _model = JsonEncodedText.Encode(Model, Json.WriterOptions.Encoder);
        Utf8JsonWriter w = BeginChunk(output);
        w.WriteString("role"u8, "assistant"u8);
        w.WriteString("content"u8, ""u8);
        EndChunk(output);
    }

    protected override void OnText(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = BeginChunk(output);
        Json.WriteRawString(w, "content"u8, token);
        EndChunk(output);
    }

    protected override void OnReasoning(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = BeginChunk(output);
        Json.WriteRawString(w, "reasoning_content"u8, token);
        EndChunk(output);
    }

    protected override void OnToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = BeginChunk(output);
        w.WriteStartArray("tool_calls"u8);
        w.WriteStartObject();
        w.WriteNumber("index"u8, index);
        if (idToken.IsEmpty)
        {
            Span<byte> buf = stackalloc byte[24];
            "call_"u8.CopyTo(buf);
            System.Buffers.Text.Utf8Formatter.TryFormat(index, buf[5..], out int n);
            w.WriteString("id"u8, buf[..(5 + n)]);
        }
        else
        {
            Json.WriteRawString(w, "id"u8, idToken);
        }

        w.WriteString("type"u8, "function"u8);
        w.WriteStartObject("function"u8);
        Json.WriteRawString(w, "name"u8, nameToken.IsEmpty ? "\"\""u8 : nameToken);
        w.WriteString("arguments"u8, ""u8);
        w.WriteEndObject();
        if (!signatureToken.IsEmpty)
        {
            w.WriteStartObject("extra_content"u8);
            w.WriteStartObject("google"u8);
            Json.WriteRawString(w, "thought_signature"u8, signatureToken);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndArray();
        EndChunk(output);
    }

    protected override void OnToolCallArguments(int index, ReadOnlySpan<byte> fragmentToken, IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = BeginChunk(output);
        w.WriteStartArray("tool_calls"u8);
        w.WriteStartObject();
        w.WriteNumber("index"u8, index);
        w.WriteStartObject("function"u8);
        Json.WriteRawString(w, "arguments"u8, fragmentToken);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        EndChunk(output);
    }

    protected override void OnComplete(TokenUsage? usage, FinishReason reason, FormatError? error, IBufferWriter<byte> output)
    {
        Utf8JsonWriter w;
        if (error is not null)
        {
            w = Begin(output);
            w.WriteStartObject();
            w.WriteStartObject("error"u8);
            w.WriteString("message"u8, error.Message);
            w.WriteString("type"u8, error.Kind == FormatErrorKind.UpstreamError ? "upstream_error" : "stream_error");
            if (error.Code is null)
            {
                w.WriteNull("code"u8);
            }
            else
            {
                w.WriteString("code"u8, error.Code);
            }

            w.WriteEndObject();
            w.WriteEndObject();
            End(output);
        }

        BeginChunk(output);
        EndChunk(output, OpenAIFinishReasons.ToOpenAI(reason));
        if (usage is { } u && Options.IncludeUsage)
        {
            w = BeginHeader(output);
            w.WriteStartArray("choices"u8);
            w.WriteEndArray();
            w.WritePropertyName("usage"u8);
            OpenAIUsageWriter.Write(w, u);
            w.WriteEndObject();
            End(output);
        }

        SseWriter.Write(output, "data: [DONE]\n\n"u8);
    }

    private Utf8JsonWriter BeginHeader(IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = Begin(output);
        w.WriteStartObject();
        w.WriteString("id"u8, _id);
        w.WriteString("object"u8, "chat.completion.chunk"u8);
        w.WriteNumber("created"u8, Created);
        w.WriteString("model"u8, _model);
        return w;
    }

    private Utf8JsonWriter BeginChunk(IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = BeginHeader(output);
        w.WriteStartArray("choices"u8);
        w.WriteStartObject();
        w.WriteNumber("index"u8, 0);
        w.WriteStartObject("delta"u8);
        return w;
    }

    private void EndChunk(IBufferWriter<byte> output, string? finishReason = null)
    {
        Utf8JsonWriter w = Writer;
        w.WriteEndObject();
        if (finishReason is null)
        {
            w.WriteNull("finish_reason"u8);
        }
        else
        {
            w.WriteString("finish_reason"u8, finishReason);
        }

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        End(output);
    }
}
