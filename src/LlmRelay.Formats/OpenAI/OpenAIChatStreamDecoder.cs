using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.OpenAI;

/// <summary>Decodes OpenAI Chat Completions stream chunks (<c>chat.completion.chunk</c>, <c>[DONE]</c>).</summary>
internal sealed class OpenAIChatStreamDecoder : StreamDecoder
{
    private readonly List<bool> _toolStarted = [];
    private bool _startSet;

    public override FormatError? Decode(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            Terminated = true;
            return null;
        }

        var r = new Utf8JsonReader(data, Json.ReaderOptions);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            return FormatError.Shape("OpenAI stream chunk is not a JSON object.");
        }

        string? id = null;
        string? model = null;
        long created = 0;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("choices"u8))
            {
                r.Read();
                if (!_startSet)
                {
                    _startSet = true;
                    encoder.SetStart(new StreamStart(id, model, created, null));
                }

                if (r.TokenType == JsonTokenType.StartArray)
                {
                    ReadChoices(ref r, data, encoder, output);
                }
            }
            else if (r.ValueTextEquals("usage"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.StartObject)
                {
                    Usage = OpenAIUsageReader.Read(ref r);
                }
            }
            else if (!_startSet && r.ValueTextEquals("id"u8))
            {
                r.Read();
                id = Json.String(ref r);
            }
            else if (!_startSet && r.ValueTextEquals("model"u8))
            {
                r.Read();
                model = Json.String(ref r);
            }
            else if (!_startSet && r.ValueTextEquals("created"u8))
            {
                r.Read();
                created = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("error"u8))
            {
                r.Read();
                UpstreamError = OpenAIErrorReader.Read(ref r);
                return UpstreamError;
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }

        return null;
    }

    public override FormatError? DecodeErrorBody(ReadOnlySpan<byte> body)
    {
        UpstreamError = OpenAIErrorReader.ReadBody(body);
        return UpstreamError;
    }

    private void ReadChoices(ref Utf8JsonReader r, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        while (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            bool skip = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("index"u8))
                {
                    r.Read();
                    skip = Json.Int64(ref r) != 0;
                }
                else if (!skip && r.ValueTextEquals("delta"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.StartObject)
                    {
                        ReadDelta(ref r, data, encoder, output);
                    }
                }
                else if (!skip && r.ValueTextEquals("finish_reason"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.String)
                    {
                        Finish = OpenAIFinishReasons.Parse(r.ValueSpan);
                    }
                }
                else
                {
                    Json.SkipValue(ref r);
                }
            }
        }
    }

    private void ReadDelta(ref Utf8JsonReader r, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("content"u8) || r.ValueTextEquals("refusal"u8))
            {
                r.Read();
                encoder.Text(Json.RawString(ref r, data), output);
            }
            else if (r.ValueTextEquals("reasoning_content"u8) || r.ValueTextEquals("reasoning"u8))
            {
                r.Read();
                encoder.Reasoning(Json.RawString(ref r, data), output);
            }
            else if (r.ValueTextEquals("tool_calls"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.StartArray)
                {
                    while (r.Read() && r.TokenType == JsonTokenType.StartObject)
                    {
                        ReadToolCall(ref r, data, encoder, output);
                    }
                }
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }
    }

    private void ReadToolCall(ref Utf8JsonReader r, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        int index = -1;
        ReadOnlySpan<byte> id = default;
        ReadOnlySpan<byte> name = default;
        ReadOnlySpan<byte> args = default;
        ReadOnlySpan<byte> signature = default;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("index"u8))
            {
                r.Read();
                index = (int)Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("id"u8))
            {
                r.Read();
                id = Json.RawString(ref r, data);
            }
            else if (r.ValueTextEquals("function"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.StartObject)
                {
                    continue;
                }

                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals("name"u8))
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
            }
            else if (r.ValueTextEquals("extra_content"u8))
            {
                r.Read();
                signature = GoogleSignature(ref r, data);
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }

        if (index < 0)
        {
            index = _toolStarted.Count == 0 ? 0 : _toolStarted.Count - 1;
        }

        if (index > 4096)
        {
            return;
        }

        while (_toolStarted.Count <= index)
        {
            _toolStarted.Add(false);
        }

        if (!_toolStarted[index])
        {
            _toolStarted[index] = true;
            encoder.ToolCallStart(index, id, name, signature, output);
        }

        encoder.ToolCallArguments(index, args, output);
    }

    private static ReadOnlySpan<byte> GoogleSignature(scoped ref Utf8JsonReader r, ReadOnlySpan<byte> data)
    {
        // extra_content: {"google": {"thought_signature": "..."}} as Google's OpenAI-compatible endpoint sends it.
        ReadOnlySpan<byte> result = default;
        if (r.TokenType != JsonTokenType.StartObject)
        {
            return result;
        }

        int depth = r.CurrentDepth;
        while (r.Read() && !(r.TokenType == JsonTokenType.EndObject && r.CurrentDepth == depth))
        {
            if (r.TokenType == JsonTokenType.PropertyName && r.ValueTextEquals("thought_signature"u8))
            {
                r.Read();
                result = Json.RawString(ref r, data);
            }
        }

        return result;
    }
}
