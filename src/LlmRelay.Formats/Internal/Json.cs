using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LlmRelay.Formats.Internal;

/// <summary>Span-level JSON helpers shared by the stream decoders and encoders.</summary>
internal static class Json
{
    /// <summary>Writer options: compact, relaxed escaping (UTF-8 stays UTF-8), no validation on the hot path.</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
        Indented = false,
    };

    public static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 128,
    };

    /// <summary>The bytes of the current string token including its quotes (escapes kept as sent).</summary>
    public static ReadOnlySpan<byte> RawString(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return default;
        }

        return data.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);
    }

    /// <summary>The raw bytes of the current value (object, array or primitive), advancing past it.</summary>
    public static ReadOnlySpan<byte> RawValue(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
    {
        int start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
            return data[start..((int)reader.BytesConsumed)];
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            return RawString(ref reader, data);
        }

        return data.Slice(start, reader.ValueSpan.Length);
    }

    public static long Int64(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long v))
        {
            return v;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double d))
        {
            return (long)d;
        }

        return 0;
    }

    public static string? String(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String ? reader.GetString() : null;

    /// <summary>Moves the reader to the value following a property name and skips it when it is a container.</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.PropertyName)
        {
            reader.Read();
        }

        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }
    }

    /// <summary>Copies a raw JSON value minified (strings kept verbatim) to the writer.</summary>
    public static void CopyMinified(ReadOnlySpan<byte> rawJson, Utf8JsonWriter writer)
    {
        var reader = new Utf8JsonReader(rawJson, ReaderOptions);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    writer.WriteStartObject();
                    break;
                case JsonTokenType.EndObject:
                    writer.WriteEndObject();
                    break;
                case JsonTokenType.StartArray:
                    writer.WriteStartArray();
                    break;
                case JsonTokenType.EndArray:
                    writer.WriteEndArray();
                    break;
                case JsonTokenType.PropertyName:
                    if (reader.ValueIsEscaped)
                    {
                        writer.WritePropertyName(reader.GetString()!);
                    }
                    else
                    {
                        writer.WritePropertyName(reader.ValueSpan);
                    }

                    break;
                case JsonTokenType.String:
                    writer.WriteRawValue(RawString(ref reader, rawJson), skipInputValidation: true);
                    break;
                default:
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
            }
        }
    }

    /// <summary>Unescapes a quoted JSON string token and appends its UTF-8 content.</summary>
    public static void AppendUnescaped(ReadOnlySpan<byte> token, PooledBuffer destination)
    {
        if (token.Length < 2)
        {
            return;
        }

        ReadOnlySpan<byte> inner = token[1..^1];
        if (inner.IndexOf((byte)'\\') < 0)
        {
            destination.Append(inner);
            return;
        }

        var reader = new Utf8JsonReader(token);
        reader.Read();
        int written = reader.CopyString(destination.GetSpan(inner.Length));
        destination.Advance(written);
    }

    /// <summary>Appends the content (without quotes) of a string token; fragments concatenate into one valid escaped string.</summary>
    public static void AppendEscapedContent(ReadOnlySpan<byte> token, PooledBuffer destination)
    {
        if (token.Length >= 2)
        {
            destination.Append(token[1..^1]);
        }
    }

    /// <summary>Writes <paramref name="utf8"/> as a quoted, escaped JSON string token into <paramref name="destination"/>.</summary>
    public static void AppendAsStringToken(ReadOnlySpan<byte> utf8, PooledBuffer destination, Utf8JsonWriter scratchWriter)
    {
        scratchWriter.Reset(destination);
        scratchWriter.WriteStringValue(utf8);
        scratchWriter.Flush();
    }

    /// <summary>Returns whether <paramref name="json"/> is one complete JSON value.</summary>
    public static bool IsValid(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static void WriteRawString(Utf8JsonWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> token)
    {
        writer.WritePropertyName(name);
        if (token.IsEmpty)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(token, skipInputValidation: true);
        }
    }

    public static Utf8JsonWriter CreateWriter() => new(NullBufferWriter.Instance, WriterOptions);

    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count)
        {
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => new byte[Math.Max(sizeHint, 16)];

        public Span<byte> GetSpan(int sizeHint = 0) => new byte[Math.Max(sizeHint, 16)];
    }
}
