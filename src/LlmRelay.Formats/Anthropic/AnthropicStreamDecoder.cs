using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Anthropic;

/// <summary>Decodes Anthropic Messages stream events (message_start ... message_stop, ping, error).</summary>
internal sealed class AnthropicStreamDecoder : StreamDecoder
{
    private readonly List<int> _blockToTool = [];
    private AnthropicUsageAccumulator _usage;
    private int _toolCount;

    public override FormatError? Decode(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> type = FindType(data);
        if (type.IsEmpty)
        {
            type = eventType;
        }

        var r = new Utf8JsonReader(data, Json.ReaderOptions);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            return FormatError.Shape("Anthropic stream event is not a JSON object.");
        }

        if (type.SequenceEqual("content_block_delta"u8))
        {
            Delta(ref r, data, encoder, output);
        }
        else if (type.SequenceEqual("content_block_start"u8))
        {
            BlockStart(ref r, data, encoder, output);
        }
        else if (type.SequenceEqual("message_start"u8))
        {
            MessageStart(ref r, encoder, output);
        }
        else if (type.SequenceEqual("message_delta"u8))
        {
            MessageDelta(ref r);
        }
        else if (type.SequenceEqual("message_stop"u8))
        {
            Terminated = true;
            Finish ??= FinishReason.Stop;
        }
        else if (type.SequenceEqual("error"u8))
        {
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("error"u8))
                {
                    r.Read();
                    UpstreamError = AnthropicErrorReader.Read(ref r);
                    return UpstreamError;
                }

                Json.SkipValue(ref r);
            }

            UpstreamError = new FormatError(FormatErrorKind.UpstreamError, "Upstream error.");
            return UpstreamError;
        }

        return null;
    }

    public override FormatError? DecodeErrorBody(ReadOnlySpan<byte> body)
    {
        UpstreamError = OpenAI.OpenAIErrorReader.ReadBody(body);
        return UpstreamError;
    }

    private static ReadOnlySpan<byte> FindType(ReadOnlySpan<byte> data)
    {
        var r = new Utf8JsonReader(data, Json.ReaderOptions);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            return default;
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                return r.TokenType == JsonTokenType.String && !r.ValueIsEscaped ? data.Slice((int)r.TokenStartIndex + 1, r.ValueSpan.Length) : default;
            }

            Json.SkipValue(ref r);
        }

        return default;
    }

    private void MessageStart(ref Utf8JsonReader r, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        string? id = null, model = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (!r.ValueTextEquals("message"u8))
            {
                Json.SkipValue(ref r);
                continue;
            }

            r.Read();
            if (r.TokenType != JsonTokenType.StartObject)
            {
                continue;
            }

            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("id"u8))
                {
                    r.Read();
                    id = Json.String(ref r);
                }
                else if (r.ValueTextEquals("model"u8))
                {
                    r.Read();
                    model = Json.String(ref r);
                }
                else if (r.ValueTextEquals("usage"u8))
                {
                    r.Read();
                    _usage.Read(ref r);
                    Usage = _usage.Usage;
                }
                else
                {
                    Json.SkipValue(ref r);
                }
            }
        }

        encoder.SetStart(new StreamStart(id, model, 0, Usage));
        encoder.EnsureStarted(output);
    }

    private void MessageDelta(ref Utf8JsonReader r)
    {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("delta"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.StartObject)
                {
                    continue;
                }

                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals("stop_reason"u8))
                    {
                        r.Read();
                        if (r.TokenType == JsonTokenType.String)
                        {
                            Finish = AnthropicStopReasons.Parse(r.ValueSpan);
                        }
                    }
                    else
                    {
                        Json.SkipValue(ref r);
                    }
                }
            }
            else if (r.ValueTextEquals("usage"u8))
            {
                r.Read();
                _usage.Read(ref r);
                Usage = _usage.Usage;
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }
    }

    private void BlockStart(ref Utf8JsonReader r, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        int index = -1;
        ReadOnlySpan<byte> blockType = default, text = default, thinking = default, id = default, name = default, signature = default;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("index"u8))
            {
                r.Read();
                index = (int)Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("content_block"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.StartObject)
                {
                    continue;
                }

                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals("type"u8))
                    {
                        r.Read();
                        blockType = r.TokenType == JsonTokenType.String ? r.ValueSpan : default;
                    }
                    else if (r.ValueTextEquals("text"u8))
                    {
                        r.Read();
                        text = Json.RawString(ref r, data);
                    }
                    else if (r.ValueTextEquals("thinking"u8))
                    {
                        r.Read();
                        thinking = Json.RawString(ref r, data);
                    }
                    else if (r.ValueTextEquals("signature"u8))
                    {
                        r.Read();
                        signature = Json.RawString(ref r, data);
                    }
                    else if (r.ValueTextEquals("id"u8))
                    {
                        r.Read();
                        id = Json.RawString(ref r, data);
                    }
                    else if (r.ValueTextEquals("name"u8))
                    {
                        r.Read();
                        name = Json.RawString(ref r, data);
                    }
                    else
                    {
                        Json.SkipValue(ref r);
                    }
                }
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }

        if (blockType.SequenceEqual("text"u8))
        {
            encoder.Text(text, output);
        }
        else if (blockType.SequenceEqual("thinking"u8))
        {
            encoder.Reasoning(thinking, output);
            encoder.ReasoningSignature(signature, output);
        }
        else if (blockType.SequenceEqual("tool_use"u8) && index >= 0 && index < 4096)
        {
            while (_blockToTool.Count <= index)
            {
                _blockToTool.Add(-1);
            }

            int tool = _toolCount++;
            _blockToTool[index] = tool;
            encoder.ToolCallStart(tool, id, name, default, output);
        }
    }

    private void Delta(ref Utf8JsonReader r, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        int index = -1;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("index"u8))
            {
                r.Read();
                index = (int)Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("delta"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.StartObject)
                {
                    continue;
                }

                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals("text"u8))
                    {
                        r.Read();
                        encoder.Text(Json.RawString(ref r, data), output);
                    }
                    else if (r.ValueTextEquals("thinking"u8))
                    {
                        r.Read();
                        encoder.Reasoning(Json.RawString(ref r, data), output);
                    }
                    else if (r.ValueTextEquals("signature"u8))
                    {
                        r.Read();
                        encoder.ReasoningSignature(Json.RawString(ref r, data), output);
                    }
                    else if (r.ValueTextEquals("partial_json"u8))
                    {
                        r.Read();
                        int tool = index >= 0 && index < _blockToTool.Count ? _blockToTool[index] : -1;
                        if (tool >= 0)
                        {
                            encoder.ToolCallArguments(tool, Json.RawString(ref r, data), output);
                        }
                    }
                    else
                    {
                        Json.SkipValue(ref r);
                    }
                }
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }
    }
}
