using System.Text;
using System.Text.Json;

namespace LlmRelay.Pipeline;

/// <summary>Extracts a human-readable message from an upstream error body of any API family.</summary>
internal static class UpstreamErrorMessage
{
    private const int MaxLength = 1000;

    /// <summary>Reads <c>error.message</c>, <c>error</c> (a string), <c>message</c> or <c>detail</c>; otherwise the body's text.</summary>
    public static (string Message, string? Code) Extract(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
            {
                root = root[0]; // Gemini streams wrap errors in an array.
            }

            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.String)
                    {
                        return (Truncate(error.GetString()), null);
                    }

                    if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                    {
                        return (Truncate(message.GetString()), ReadCode(error));
                    }
                }

                foreach (var name in (ReadOnlySpan<string>)["message", "detail"])
                {
                    if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        return (Truncate(value.GetString()), null);
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        return (Truncate(Encoding.UTF8.GetString(body[..Math.Min(body.Length, MaxLength * 4)]).Trim()), null);
    }

    private static string? ReadCode(JsonElement error)
    {
        foreach (var name in (ReadOnlySpan<string>)["code", "type", "status"])
        {
            if (error.TryGetProperty(name, out var value))
            {
                if (value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString();
                }

                if (value.ValueKind == JsonValueKind.Number)
                {
                    return value.GetRawText();
                }
            }
        }

        return null;
    }

    private static string Truncate(string? text) =>
        string.IsNullOrEmpty(text) ? "(empty upstream error body)" : text.Length <= MaxLength ? text : text[..MaxLength] + "...";
}
