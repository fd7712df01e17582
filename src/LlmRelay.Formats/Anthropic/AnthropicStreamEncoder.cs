using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Anthropic;

/// <summary>Writes Anthropic Messages stream events, always ending with message_delta and message_stop.</summary>
internal sealed class AnthropicStreamEncoder : StreamEncoder
{
    private readonly List<int> _toolToBlock = [];
    private BlockKind _open;
    private int _openIndex = -1;
    private int _nextIndex;

    public AnthropicStreamEncoder(StreamConversionOptions options)
        : base(options)
    {
    }

    private enum BlockKind
    {
        None,
        Text,
        Thinking,
        Tool,
    }

    protected override void OnStart(IBufferWriter<byte> output)
    {
        Utf8JsonWriter w = Begin(output, "message_start"u8);
        w.WriteStartObject();
        w.WriteString("type"u8, "message_start"u8);
        w.WriteStartObject("message"u8);
        w.WriteString("id"u8, Id);
        w.WriteString("type"u8, "message"u8);
        w.WriteString("role"u8, "assistant"u8);
        w.WriteString("model"u8, Model);
        w.WriteStartArray("content"u8);
        w.WriteEndArray();
        w.WriteNull("stop_reason"u8);
        w.WriteNull("stop_sequence"u8);
        w.WritePropertyName("usage"u8);
        AnthropicUsageWriter.Write(w, StartInfo.Usage ?? default, outputTokens: StartInfo.Usage?.OutputTokens ?? 0);
        w.WriteEndObject();
        w.WriteEndObject();
        End(output);
    }

    protected override void OnText(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        EnsureBlock(BlockKind.Text, output);
        WriteDelta(output, _openIndex, "text_delta"u8, "text"u8, token);
    }

    protected override void OnReasoning(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        EnsureBlock(BlockKind.Thinking, output);
        WriteDelta(output, _openIndex, "thinking_delta"u8, "thinking"u8, token);
    }

    protected override void OnReasoningSignature(ReadOnlySpan<byte> token, IBufferWriter<byte> output)
    {
        EnsureBlock(BlockKind.Thinking, output);
        WriteDelta(output, _openIndex, "signature_delta"u8, "signature"u8, token);
    }

    protected override void OnToolCallStart(int index, ReadOnlySpan<byte> idToken, ReadOnlySpan<byte> nameToken, ReadOnlySpan<byte> signatureToken, IBufferWriter<byte> output)
    {
        CloseBlock(output);
        int block = _nextIndex++;
        while (_toolToBlock.Count <= index)
        {
            _toolToBlock.Add(-1);
        }

        _toolToBlock[index] = block;
        _open = BlockKind.Tool;
        _openIndex = block;
        Utf8JsonWriter w = Begin(output, "content_block_start"u8);
        w.WriteStartObject();
        w.WriteString("type"u8, "content_block_start"u8);
        w.WriteNumber("index"u8, block);
        w.WriteStartObject("content_block"u8);
        w.WriteString("type"u8, "tool_use"u8);
        if (idToken.IsEmpty)
        {
            w.WriteString("id"u8, "toolu_" + Id + "_" + index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            Json.WriteRawString(w, "id"u8, idToken);
        }

        Json.WriteRawString(w, "name"u8, nameToken.IsEmpty ? "\"\""u8 : nameToken);
        w.WriteStartObject("input"u8);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        End(output);
    }

    protected override void OnToolCallArguments(int index, ReadOnlySpan<byte> fragmentToken, IBufferWriter<byte> output)
    {
        int block = index < _toolToBlock.Count ? _toolToBlock[index] : -1;
        if (block < 0)
        {
            return;
        }

        WriteDelta(output, block, "input_json_delta"u8, "partial_json"u8, fragmentToken);
    }

    protected override void OnComplete(TokenUsage? usage, FinishReason reason, FormatError? error, IBufferWriter<byte> output)
    {
        Utf8JsonWriter w;
        if (error is not null)
        {
            w = Begin(output, "error"u8);
            w.WriteStartObject();
            w.WriteString("type"u8, "error"u8);
            w.WriteStartObject("error"u8);
            w.WriteString("type"u8, error.Kind == FormatErrorKind.UpstreamError && error.Code is not null ? error.Code : "api_error");
            w.WriteString("message"u8, error.Message);
            w.WriteEndObject();
            w.WriteEndObject();
            End(output);
        }

        CloseBlock(output);
        w = Begin(output, "message_delta"u8);
        w.WriteStartObject();
        w.WriteString("type"u8, "message_delta"u8);
        w.WriteStartObject("delta"u8);
        w.WriteString("stop_reason"u8, AnthropicStopReasons.ToAnthropic(reason));
        w.WriteNull("stop_sequence"u8);
        w.WriteEndObject();
        w.WritePropertyName("usage"u8);
        TokenUsage u = usage ?? StartInfo.Usage ?? default;
        AnthropicUsageWriter.Write(w, u, u.OutputTokens);
        w.WriteEndObject();
        End(output);

        w = Begin(output, "message_stop"u8);
        w.WriteStartObject();
        w.WriteString("type"u8, "message_stop"u8);
        w.WriteEndObject();
        End(output);
    }

    private void EnsureBlock(BlockKind kind, IBufferWriter<byte> output)
    {
        if (_open == kind)
        {
            return;
        }

        CloseBlock(output);
        _open = kind;
        _openIndex = _nextIndex++;
        Utf8JsonWriter w = Begin(output, "content_block_start"u8);
        w.WriteStartObject();
        w.WriteString("type"u8, "content_block_start"u8);
        w.WriteNumber("index"u8, _openIndex);
        w.WriteStartObject("content_block"u8);
        if (kind == BlockKind.Text)
        {
            w.WriteString("type"u8, "text"u8);
            w.WriteString("text"u8, ""u8);
        }
        else
        {
            w.WriteString("type"u8, "thinking"u8);
            w.WriteString("thinking"u8, ""u8);
            w.WriteString("signature"u8, ""u8);
        }

        w.WriteEndObject();
        w.WriteEndObject();
        End(output);
    }

    private void CloseBlock(IBufferWriter<byte> output)
    {
        if (_open == BlockKind.None)
        {
            return;
        }

        Utf8JsonWriter w = Begin(output, "content_block_stop"u8);
        w.WriteStartObject();
        w.WriteString("type"u8, "content_block_stop"u8);
        w.WriteNumber("index"u8, _openIndex);
        w.WriteEndObject();
        End(output);
        _open = BlockKind.None;
    }

    private void WriteDelta(IBufferWriter<byte> output, int index, ReadOnlySpan<byte> deltaType, ReadOnlySpan<byte> field, ReadOnlySpan<byte> token)
    {
        Utf8JsonWriter w = Begin(output, "content_block_delta"u8);
        w.WriteStartObject();
        w.WriteString("type"u8, "content_block_delta"u8);
        w.WriteNumber("index"u8, index);
        w.WriteStartObject("delta"u8);
        w.WriteString("type"u8, deltaType);
        Json.WriteRawString(w, field, token);
        w.WriteEndObject();
        w.WriteEndObject();
        End(output);
    }
}
