using System.Text;
using System.Text.Json;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Formats.Conversion;

/// <summary>Small helpers shared by the converters.</summary>
internal static class ConversionHelpers
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static JsonElement EmptyJsonObject => EmptyObject;

    /// <summary>Splits <c>data:[mime];base64,payload</c>; returns false for other URLs.</summary>
    public static bool TryParseDataUrl(string url, out string mediaType, out string data)
    {
        mediaType = string.Empty;
        data = string.Empty;
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        int comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            return false;
        }

        string meta = url[5..comma];
        int semi = meta.IndexOf(';', StringComparison.Ordinal);
        mediaType = semi < 0 ? meta : meta[..semi];
        if (mediaType.Length == 0)
        {
            mediaType = "application/octet-stream";
        }

        data = url[(comma + 1)..];
        return true;
    }

    public static string DataUrl(string? mediaType, string? data) => "data:" + (mediaType ?? "application/octet-stream") + ";base64," + data;

    /// <summary>Guesses an image media type from a URL's extension (Gemini fileData needs one).</summary>
    public static string GuessMediaType(string url)
    {
        string path = url.Split('?', '#')[0];
        string ext = Path.GetExtension(path).ToUpperInvariant();
        return ext switch
        {
            ".PNG" => "image/png",
            ".GIF" => "image/gif",
            ".WEBP" => "image/webp",
            ".PDF" => "application/pdf",
            ".HEIC" => "image/heic",
            _ => "image/jpeg",
        };
    }

    /// <summary>Parses tool-call arguments; empty becomes <c>{}</c>; invalid JSON is an error value.</summary>
    public static FormatResult<JsonElementBox> ParseArguments(string? arguments, string toolName)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return new JsonElementBox(EmptyObject);
        }

        try
        {
            using var doc = JsonDocument.Parse(arguments);
            return new JsonElementBox(doc.RootElement.Clone());
        }
        catch (JsonException)
        {
            return new FormatError(FormatErrorKind.InvalidShape, $"The arguments of tool call '{toolName}' are not valid JSON.", "tool_calls.function.arguments");
        }
    }

    public static string ToJsonText(JsonElement? element)
    {
        if (element is not { } e || e.ValueKind == JsonValueKind.Undefined || e.ValueKind == JsonValueKind.Null)
        {
            return "{}";
        }

        return JsonSerializer.Serialize(e, WireJson.Context.JsonElement);
    }

    /// <summary>Concatenates the text of a message content.</summary>
    public static string? TextOf(TextOrParts<ChatContentPart>? content)
    {
        if (content is null)
        {
            return null;
        }

        if (content.Text is not null)
        {
            return content.Text;
        }

        var sb = new StringBuilder();
        foreach (ChatContentPart p in content.Parts ?? [])
        {
            if (p.Text is not null)
            {
                sb.Append(p.Text);
            }
        }

        return sb.ToString();
    }

    public static JsonElement ParseOrWrap(string? text, string wrapKey)
    {
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    return doc.RootElement.Clone();
                }
            }
            catch (JsonException)
            {
            }
        }

        var buffer = new PooledBuffer(64);
        try
        {
            using (var w = new Utf8JsonWriter(buffer, Json.WriterOptions))
            {
                w.WriteStartObject();
                w.WriteString(wrapKey, text ?? string.Empty);
                w.WriteEndObject();
            }

            using var doc = JsonDocument.Parse(buffer.WrittenMemory);
            return doc.RootElement.Clone();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    public static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
