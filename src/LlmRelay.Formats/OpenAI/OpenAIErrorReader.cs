using System.Text.Json;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI;

/// <summary>Reads OpenAI-shaped error objects (<c>{"error":{"message","type","code"}}</c>).</summary>
internal static class OpenAIErrorReader
{
    /// <summary>Reads the error object the reader is positioned on.</summary>
    public static FormatError Read(ref Utf8JsonReader r)
    {
        string? message = null, type = null, code = null;
        if (r.TokenType == JsonTokenType.String)
        {
            return new FormatError(FormatErrorKind.UpstreamError, r.GetString() ?? "Upstream error.");
        }

        if (r.TokenType != JsonTokenType.StartObject)
        {
            Json.SkipValue(ref r);
            return new FormatError(FormatErrorKind.UpstreamError, "Upstream error.");
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("message"u8))
            {
                r.Read();
                message = Json.String(ref r);
            }
            else if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                type = Json.String(ref r);
            }
            else if (r.ValueTextEquals("code"u8) || r.ValueTextEquals("status"u8))
            {
                r.Read();
                code ??= r.TokenType == JsonTokenType.String ? r.GetString() : null;
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }

        return new FormatError(FormatErrorKind.UpstreamError, message ?? "Upstream error.", code ?? type);
    }

    /// <summary>Reads a whole error body; also accepts Anthropic and Gemini shapes.</summary>
    public static FormatError ReadBody(ReadOnlySpan<byte> body)
    {
        try
        {
            var r = new Utf8JsonReader(body, Json.ReaderOptions);
            if (r.Read() && r.TokenType == JsonTokenType.StartArray)
            {
                r.Read();
            }

            if (r.TokenType == JsonTokenType.StartObject)
            {
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals("error"u8))
                    {
                        r.Read();
                        return Read(ref r);
                    }

                    Json.SkipValue(ref r);
                }
            }
        }
        catch (JsonException)
        {
        }

        return new FormatError(FormatErrorKind.UpstreamError, "Upstream returned a non-stream body.", "upstream_error");
    }
}
