using System.Text.Json;

namespace LlmRelay.Formats.Responses;

/// <summary>Writes <see cref="TokenUsage"/> as a Responses API <c>usage</c> object.</summary>
internal static class ResponsesUsageWriter
{
    public static void Write(Utf8JsonWriter w, in TokenUsage u)
    {
        w.WriteStartObject();
        w.WriteNumber("input_tokens"u8, u.InputTokens);
        w.WriteStartObject("input_tokens_details"u8);
        w.WriteNumber("cached_tokens"u8, u.CachedInputTokens);
        w.WriteEndObject();
        w.WriteNumber("output_tokens"u8, u.OutputTokens);
        w.WriteStartObject("output_tokens_details"u8);
        w.WriteNumber("reasoning_tokens"u8, u.ReasoningTokens);
        w.WriteEndObject();
        w.WriteNumber("total_tokens"u8, u.InputTokens + u.OutputTokens);
        w.WriteEndObject();
    }
}
