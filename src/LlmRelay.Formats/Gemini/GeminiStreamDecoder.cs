using System.Buffers;
using System.Globalization;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Gemini;

/// <summary>Decodes Gemini <c>streamGenerateContent?alt=sse</c> chunks (cumulative usage, no terminal event).</summary>
internal sealed class GeminiStreamDecoder : StreamDecoder
{
    private readonly PooledBuffer _scratchA = new(256);
    private readonly PooledBuffer _scratchB = new(256);
    private readonly PooledBuffer _idToken = new(64);
    private readonly PooledBuffer _signature = new(64);
    private readonly PooledBuffer _foldedId = new(128);
    private readonly Utf8JsonWriter _scratchWriter = Json.CreateWriter();
    private string? _responseId;
    private bool _startSet;
    private int _toolCount;

    public override FormatError? Decode(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        if (!_startSet)
        {
            _startSet = true;
            Prescan(data, encoder);
        }

        var r = new Utf8JsonReader(data, Json.ReaderOptions);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            return FormatError.Shape("Gemini stream chunk is not a JSON object.");
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("candidates"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.StartArray)
                {
                    ReadCandidates(ref r, data, encoder, output);
                }
            }
            else if (r.ValueTextEquals("usageMetadata"u8))
            {
                r.Read();
                Usage = GeminiUsage.Read(ref r);
            }
            else if (r.ValueTextEquals("promptFeedback"u8))
            {
                r.Read();
                if (HasBlockReason(ref r))
                {
                    Finish = FinishReason.ContentFilter;
                }
            }
            else if (r.ValueTextEquals("error"u8))
            {
                r.Read();
                UpstreamError = OpenAI.OpenAIErrorReader.Read(ref r);
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
        UpstreamError = OpenAI.OpenAIErrorReader.ReadBody(body);
        return UpstreamError;
    }

    public override void Dispose()
    {
        _scratchA.Dispose();
        _scratchB.Dispose();
        _idToken.Dispose();
        _signature.Dispose();
        _foldedId.Dispose();
        _scratchWriter.Dispose();
        base.Dispose();
    }

    private static bool HasBlockReason(ref Utf8JsonReader r)
    {
        bool blocked = false;
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Json.SkipValue(ref r);
            return false;
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            blocked |= r.ValueTextEquals("blockReason"u8);
            Json.SkipValue(ref r);
        }

        return blocked;
    }

    private void Prescan(ReadOnlySpan<byte> data, StreamEncoder encoder)
    {
        string? model = null;
        TokenUsage? usage = null;
        var r = new Utf8JsonReader(data, Json.ReaderOptions);
        if (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("responseId"u8))
                {
                    r.Read();
                    _responseId = Json.String(ref r);
                }
                else if (r.ValueTextEquals("modelVersion"u8))
                {
                    r.Read();
                    model = Json.String(ref r);
                }
                else if (r.ValueTextEquals("usageMetadata"u8))
                {
                    r.Read();
                    usage = GeminiUsage.Read(ref r);
                }
                else
                {
                    Json.SkipValue(ref r);
                }
            }
        }

        encoder.SetStart(new StreamStart(_responseId, model, 0, usage));
    }

    private void ReadCandidates(ref Utf8JsonReader r, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        bool first = true;
        while (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            if (!first)
            {
                r.Skip();
                continue;
            }

            first = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("content"u8))
                {
                    r.Read();
                    if (r.TokenType != JsonTokenType.StartObject)
                    {
                        Json.SkipValue(ref r);
                        continue;
                    }

                    while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                    {
                        if (r.ValueTextEquals("parts"u8))
                        {
                            r.Read();
                            if (r.TokenType == JsonTokenType.StartArray)
                            {
                                while (r.Read() && r.TokenType == JsonTokenType.StartObject)
                                {
                                    ReadPart(ref r, data, encoder, output);
                                }
                            }
                        }
                        else
                        {
                            Json.SkipValue(ref r);
                        }
                    }
                }
                else if (r.ValueTextEquals("finishReason"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.String)
                    {
                        Finish = GeminiFinishReasons.Parse(r.ValueSpan);
                    }
                }
                else
                {
                    Json.SkipValue(ref r);
                }
            }
        }
    }

    private void ReadPart(ref Utf8JsonReader r, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> text = default, signature = default, name = default, args = default, id = default;
        bool thought = false, call = false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("text"u8))
            {
                r.Read();
                text = Json.RawString(ref r, data);
            }
            else if (r.ValueTextEquals("thought"u8))
            {
                r.Read();
                thought = r.TokenType == JsonTokenType.True;
            }
            else if (r.ValueTextEquals("thoughtSignature"u8))
            {
                r.Read();
                signature = Json.RawString(ref r, data);
            }
            else if (r.ValueTextEquals("functionCall"u8))
            {
                r.Read();
                if (r.TokenType != JsonTokenType.StartObject)
                {
                    Json.SkipValue(ref r);
                    continue;
                }

                call = true;
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals("name"u8))
                    {
                        r.Read();
                        name = Json.RawString(ref r, data);
                    }
                    else if (r.ValueTextEquals("args"u8))
                    {
                        r.Read();
                        args = Json.RawValue(ref r, data);
                    }
                    else if (r.ValueTextEquals("id"u8))
                    {
                        r.Read();
                        id = Json.RawString(ref r, data);
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

        if (call)
        {
            int tool = _toolCount++;
            if (id.IsEmpty)
            {
                _idToken.Clear();
                _idToken.Append("\"call_"u8);
                if (_responseId is not null)
                {
                    System.Text.EncodingExtensions.GetBytes(System.Text.Encoding.UTF8, _responseId, _idToken);
                    _idToken.Append((byte)'_');
                }

                System.Text.EncodingExtensions.GetBytes(System.Text.Encoding.UTF8, tool.ToString(CultureInfo.InvariantCulture), _idToken);
                _idToken.Append((byte)'"');
                id = _idToken.WrittenSpan;
            }

            // The signature also rides in the id, the one field every caller family echoes back (GeminiThoughtSignature).
            if (GeminiThoughtSignature.TryFoldToken(id, signature, _signature, _foldedId))
            {
                id = _foldedId.WrittenSpan;
            }

            encoder.ToolCallStart(tool, id, name, signature, output);
            _scratchA.Clear();
            _scratchB.Clear();
            if (args.IsEmpty || args[0] != (byte)'{')
            {
                _scratchA.Append("{}"u8);
            }
            else
            {
                _scratchWriter.Reset(_scratchA);
                Json.CopyMinified(args, _scratchWriter);
                _scratchWriter.Flush();
            }

            Json.AppendAsStringToken(_scratchA.WrittenSpan, _scratchB, _scratchWriter);
            encoder.ToolCallArguments(tool, _scratchB.WrittenSpan, output);
        }
        else if (thought)
        {
            encoder.Reasoning(text, output);
        }
        else
        {
            encoder.Text(text, output);
        }
    }
}
