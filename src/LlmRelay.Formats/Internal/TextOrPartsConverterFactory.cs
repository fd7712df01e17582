using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace LlmRelay.Formats.Internal;

/// <summary>Creates converters for <see cref="TextOrParts{T}"/>.</summary>
internal sealed class TextOrPartsConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(TextOrParts<>);

    public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        Type part = typeToConvert.GetGenericArguments()[0];
        if (part == typeof(OpenAI.Models.ChatContentPart))
        {
            return new Converter<OpenAI.Models.ChatContentPart>();
        }

        if (part == typeof(Anthropic.Models.AnthropicContentBlock))
        {
            return new Converter<Anthropic.Models.AnthropicContentBlock>();
        }

        if (part == typeof(Responses.Models.ResponseItem))
        {
            return new Converter<Responses.Models.ResponseItem>();
        }

        if (part == typeof(Responses.Models.ResponseContentPart))
        {
            return new Converter<Responses.Models.ResponseContentPart>();
        }

        throw new NotSupportedException(typeToConvert.ToString());
    }

    private sealed class Converter<T> : JsonConverter<TextOrParts<T>>
        where T : class
    {
        public override TextOrParts<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.String:
                    return new TextOrParts<T>(reader.GetString()!);
                case JsonTokenType.StartArray:
                    var info = (JsonTypeInfo<List<T>>)options.GetTypeInfo(typeof(List<T>));
                    return new TextOrParts<T>(JsonSerializer.Deserialize(ref reader, info) ?? []);
                case JsonTokenType.StartObject:
                    // Lenient: a single part object where an array was expected.
                    var one = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
                    T? part = JsonSerializer.Deserialize(ref reader, one);
                    return new TextOrParts<T>(part is null ? [] : [part]);
                default:
                    throw new JsonException($"Expected a string or an array, found {reader.TokenType}.");
            }
        }

        public override void Write(Utf8JsonWriter writer, TextOrParts<T> value, JsonSerializerOptions options)
        {
            if (value.Parts is { } parts)
            {
                JsonSerializer.Serialize(writer, parts, (JsonTypeInfo<List<T>>)options.GetTypeInfo(typeof(List<T>)));
            }
            else
            {
                writer.WriteStringValue(value.Text);
            }
        }
    }
}
