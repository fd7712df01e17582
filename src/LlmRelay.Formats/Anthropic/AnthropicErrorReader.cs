using System.Text.Json;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Anthropic;

/// <summary>Reads the <c>error</c> object of an Anthropic error event or body.</summary>
internal static class AnthropicErrorReader
{
    public static FormatError Read(ref Utf8JsonReader r)
    {
        string? type = null, message = null;
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Json.SkipValue(ref r);
            return new FormatError(FormatErrorKind.UpstreamError, "Upstream error.");
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("type"u8))
            {
                r.Read();
                type = Json.String(ref r);
            }
            else if (r.ValueTextEquals("message"u8))
            {
                r.Read();
                message = Json.String(ref r);
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }

        return new FormatError(FormatErrorKind.UpstreamError, message ?? "Upstream error.", type);
    }
}
