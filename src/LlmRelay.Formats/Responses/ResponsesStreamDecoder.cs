using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Responses;

/// <summary>Decodes OpenAI Responses stream events.</summary>
internal sealed class ResponsesStreamDecoder : StreamDecoder
{
    private readonly List<int> _itemToTool = [];
    private int _toolCount;

    public override FormatError? Decode(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        var r = new Utf8JsonReader(data, Json.ReaderOptions);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            return FormatError.Shape("Responses stream event is not a JSON object.");
        }

        ReadOnlySpan<byte> type = eventType;
        int outputIndex = -1;
        ReadOnlySpan<byte> delta = default;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.String)
                {
                    type = r.ValueSpan;
                }
            }
            else if (r.ValueTextEquals("output_index"u8))
            {
                r.Read();
                outputIndex = (int)Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("delta"u8))
            {
                r.Read();
                delta = Json.RawString(ref r, data);
            }
            else if (r.ValueTextEquals("response"u8))
            {
                r.Read();
                ReadResponse(ref r, type, encoder, output);
            }
            else if (r.ValueTextEquals("item"u8))
            {
                r.Read();
                if (type.SequenceEqual("response.output_item.added"u8))
                {
                    ReadAddedItem(ref r, data, outputIndex, encoder, output);
                }
                else
                {
                    Json.SkipValue(ref r);
                }
            }
            else if (r.ValueTextEquals("error"u8))
            {
                r.Read();
                UpstreamError = OpenAIErrorReader.Read(ref r);
            }
            else if (type.SequenceEqual("error"u8) && (r.ValueTextEquals("message"u8) || r.ValueTextEquals("code"u8)))
            {
                // Top-level error event shape: {"type":"error","code":...,"message":...}
                bool isMessage = r.ValueTextEquals("message"u8);
                r.Read();
                string? value = Json.String(ref r);
                FormatError current = UpstreamError ?? new FormatError(FormatErrorKind.UpstreamError, "Upstream error.");
                UpstreamError = isMessage ? current with { Message = value ?? current.Message } : current with { Code = value };
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }

        if (delta.IsEmpty)
        {
            return type.SequenceEqual("error"u8) ? UpstreamError : null;
        }

        if (type.SequenceEqual("response.output_text.delta"u8) || type.SequenceEqual("response.refusal.delta"u8))
        {
            encoder.Text(delta, output);
        }
        else if (type.SequenceEqual("response.reasoning_summary_text.delta"u8) || type.SequenceEqual("response.reasoning_text.delta"u8))
        {
            encoder.Reasoning(delta, output);
        }
        else if (type.SequenceEqual("response.function_call_arguments.delta"u8))
        {
            int tool = outputIndex >= 0 && outputIndex < _itemToTool.Count ? _itemToTool[outputIndex] : -1;
            if (tool >= 0)
            {
                encoder.ToolCallArguments(tool, delta, output);
            }
        }

        return null;
    }

    public override FormatError? DecodeErrorBody(ReadOnlySpan<byte> body)
    {
        UpstreamError = OpenAIErrorReader.ReadBody(body);
        return UpstreamError;
    }

    private void ReadAddedItem(ref Utf8JsonReader r, ReadOnlySpan<byte> data, int outputIndex, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Json.SkipValue(ref r);
            return;
        }

        bool isCall = false;
        ReadOnlySpan<byte> callId = default, name = default, args = default;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                isCall = r.ValueTextEquals("function_call"u8);
            }
            else if (r.ValueTextEquals("call_id"u8))
            {
                r.Read();
                callId = Json.RawString(ref r, data);
            }
            else if (r.ValueTextEquals("name"u8))
            {
                r.Read();
                name = Json.RawString(ref r, data);
            }
            else if (r.ValueTextEquals("arguments"u8))
            {
                r.Read();
                args = Json.RawString(ref r, data);
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }

        if (!isCall || outputIndex < 0 || outputIndex > 4096)
        {
            return;
        }

        while (_itemToTool.Count <= outputIndex)
        {
            _itemToTool.Add(-1);
        }

        int tool = _toolCount++;
        _itemToTool[outputIndex] = tool;
        encoder.ToolCallStart(tool, callId, name, default, output);
        encoder.ToolCallArguments(tool, args, output);
    }

    private void ReadResponse(ref Utf8JsonReader r, ReadOnlySpan<byte> type, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Json.SkipValue(ref r);
            return;
        }

        bool created = type.SequenceEqual("response.created"u8) || type.SequenceEqual("response.in_progress"u8);
        string? id = null, model = null, incomplete = null;
        long createdAt = 0;
        FormatError? error = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (created && r.ValueTextEquals("id"u8))
            {
                r.Read();
                id = Json.String(ref r);
            }
            else if (created && r.ValueTextEquals("model"u8))
            {
                r.Read();
                model = Json.String(ref r);
            }
            else if (created && r.ValueTextEquals("created_at"u8))
            {
                r.Read();
                createdAt = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("usage"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.StartObject)
                {
                    Usage = OpenAIUsageReader.Read(ref r);
                }
            }
            else if (r.ValueTextEquals("error"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.StartObject)
                {
                    error = OpenAIErrorReader.Read(ref r);
                }
            }
            else if (r.ValueTextEquals("incomplete_details"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.StartObject)
                {
                    continue;
                }

                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals("reason"u8))
                    {
                        r.Read();
                        incomplete = Json.String(ref r);
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

        if (created)
        {
            encoder.SetStart(new StreamStart(id, model, createdAt, null));
            encoder.EnsureStarted(output);
        }
        else if (type.SequenceEqual("response.completed"u8))
        {
            Finish = FinishReason.Stop;
            Terminated = true;
        }
        else if (type.SequenceEqual("response.incomplete"u8))
        {
            Finish = incomplete == "content_filter" ? FinishReason.ContentFilter : FinishReason.Length;
            Terminated = true;
        }
        else if (type.SequenceEqual("response.failed"u8))
        {
            UpstreamError ??= error ?? new FormatError(FormatErrorKind.UpstreamError, "The upstream response failed.");
            Terminated = true;
        }
    }
}
