using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Gemini;

/// <summary>Writes Gemini <c>streamGenerateContent?alt=sse</c> chunks (CRLF framing, like Google), or the streamed JSON array without <c>alt=sse</c>.</summary>
/// <remarks>
/// With <see cref="StreamConversionOptions.GeminiJsonArray"/> the same chunks are framed by <see cref="GeminiJsonArray"/>.
/// Gemini carries a function call as one complete part, so argument fragments are buffered per call and each
/// call is written whole in the final chunk, which also carries <c>finishReason</c> and <c>usageMetadata</c>.
/// </remarks>
internal sealed class GeminiStreamEncoder : StreamEncoder
{
    private readonly List<PendingCall> _calls = [];
    private readonly PooledBuffer _token = new(256);
    private readonly PooledBuffer _unescaped = new(256);
    private JsonEncodedText _model;
    private JsonEncodedText _id;
    private bool _arrayOpened;

    public GeminiStreamEncoder(StreamConversionOptions options)
        : base(options)
    {
    }

    protected override bool Crlf => true;

    public override void Dispose()
    {
        foreach (PendingCall c in _calls)
        {
            c.Dispose();
        }

        _unescaped.Dispose();
        _token.Dispose();
        base.Dispose();
    }

    protected override void OnStart(IBufferWriter<byte> output)
    {
        _model = JsonEncodedText.Encode(Model, Json.WriterOptions.Encoder);
        _id = JsonEncodedText.Encode(Id, Json.WriterOptions.Encoder);
    }

    protected override void OnText(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = BeginChunk(output);
        w.WriteStartObject();
        Json.WriteRawString(w, "text"u8, token);
        w.WriteEndObject();
        EndChunk(output, null, null);
    }

    protected override void OnReasoning(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = BeginChunk(output);
        w.WriteStartObject();
        Json.WriteRawString(w, "text"u8, token);
        w.WriteBoolean("thought"u8, true);
        w.WriteEndObject();
        EndChunk(output, null, null);
    }

    protected override void OnToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output)
    {
        while (_calls.Count <= index)
        {
            _calls.Add(new PendingCall());
        }

        PendingCall call = _calls[index];
        call.Name.Clear();
        call.Name.Append(nameToken.IsEmpty ? "\"\""u8 : nameToken);
        call.Signature.Clear();
        call.Signature.Append(signatureToken);
        call.Started = true;
    }

    protected override void OnToolCallArguments(int index, ReadOnlySpan<byte> fragmentToken, IBufferWriter<byte> output)
    {
        if (index < _calls.Count)
        {
            Json.AppendEscapedContent(fragmentToken, _calls[index].Arguments);
        }
    }

    protected override void OnComplete(TokenUsage? usage, FinishReason reason, FormatError? error, IBufferWriter<byte> output)
    {
        Utf8JsonWriter w;
        if (error is not null)
        {
            GeminiJsonArray.WriteError(BeginFrame(output), error);
            EndFrame(output);
        }

        w = BeginChunk(output);
        bool any = false;
        foreach (PendingCall call in _calls)
        {
            if (!call.Started)
            {
                continue;
            }

            any = true;
            w.WriteStartObject();
            w.WriteStartObject("functionCall"u8);
            Json.WriteRawString(w, "name"u8, call.Name.WrittenSpan);
            w.WritePropertyName("args"u8);
            WriteArgs(w, call.Arguments.WrittenSpan);
            w.WriteEndObject();
            if (call.Signature.Length > 0)
            {
                Json.WriteRawString(w, "thoughtSignature"u8, call.Signature.WrittenSpan);
            }

            w.WriteEndObject();
        }

        if (!any)
        {
            w.WriteStartObject();
            w.WriteString("text"u8, ""u8);
            w.WriteEndObject();
        }

        EndChunk(output, GeminiFinishReasons.ToGemini(reason), usage ?? StartInfo.Usage ?? default(TokenUsage));
        if (Options.GeminiJsonArray)
        {
            GeminiJsonArray.WriteClose(output, _arrayOpened);
        }
    }

    private void WriteArgs(Utf8JsonWriter w, ReadOnlySpan<byte> escapedContent)
    {
        _token.Clear();
        _token.Append((byte)'"');
        _token.Append(escapedContent);
        _token.Append((byte)'"');
        _unescaped.Clear();
        Json.AppendUnescaped(_token.WrittenSpan, _unescaped);
        ReadOnlySpan<byte> raw = _unescaped.WrittenSpan;
        int start = raw.IndexOfAnyExcept(" \t\r\n"u8);
        if (start >= 0 && raw[start] == (byte)'{' && Json.IsValid(raw))
        {
            Json.CopyMinified(raw, w);
        }
        else
        {
            w.WriteStartObject();
            w.WriteEndObject();
        }
    }

    // One chunk's frame: an SSE event, or an element of the streamed JSON array.
    private Utf8JsonWriter BeginFrame(IBufferWriter<byte> output)
    {
        if (!Options.GeminiJsonArray)
        {
            return Begin(output);
        }

        GeminiJsonArray.WriteElementStart(output, ref _arrayOpened);
        Writer.Reset(output);
        return Writer;
    }

    private void EndFrame(IBufferWriter<byte> output)
    {
        if (!Options.GeminiJsonArray)
        {
            End(output);
            return;
        }

        Writer.Flush();
        GeminiJsonArray.WriteElementEnd(output);
    }

    private Utf8JsonWriter BeginChunk(IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = BeginFrame(output);
        w.WriteStartObject();
        w.WriteStartArray("candidates"u8);
        w.WriteStartObject();
        w.WriteStartObject("content"u8);
        w.WriteStartArray("parts"u8);
        return w;
    }

    private void EndChunk(IBufferWriter<byte> output, string? finishReason, TokenUsage? usage)
    {
        Utf8JsonWriter w = Writer;
        w.WriteEndArray();
        w.WriteString("role"u8, "model"u8);
        w.WriteEndObject();
        if (finishReason is not null)
        {
            w.WriteString("finishReason"u8, finishReason);
        }

        w.WriteNumber("index"u8, 0);
        w.WriteEndObject();
        w.WriteEndArray();
        if (usage is { } u)
        {
            w.WritePropertyName("usageMetadata"u8);
            GeminiUsage.Write(w, u);
        }

        w.WriteString("modelVersion"u8, _model);
        w.WriteString("responseId"u8, _id);
        w.WriteEndObject();
        EndFrame(output);
    }

    private sealed class PendingCall : IDisposable
    {
        public PooledBuffer Name { get; } = new(64);

        public PooledBuffer Arguments { get; } = new(256);

        public PooledBuffer Signature { get; } = new(16);

        public bool Started { get; set; }

        public void Dispose()
        {
            Name.Dispose();
            Arguments.Dispose();
            Signature.Dispose();
        }
    }
}
