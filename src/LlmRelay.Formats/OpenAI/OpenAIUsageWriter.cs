using System.Text.Json;

namespace LlmRelay.Formats.OpenAI;

/// <summary>Writes <see cref="TokenUsage"/> as an OpenAI Chat <c>usage</c> object.</summary>
internal static class OpenAIUsageWriter
{
    public static void Write(Utf8JsonWriter w, in TokenUsage u)
    {
        w.WriteStartObject();
        w.WriteNumber("prompt_tokens"u8, u.InputTokens);
        w.WriteNumber("completion_tokens"u8, u.OutputTokens);
        w.WriteNumber("total_tokens"u8, u.InputTokens + u.OutputTokens);
        w.WriteStartObject("prompt_tokens_details"u8);
        w.WriteNumber("cached_tokens"u8, u.CachedInputTokens);
        w.WriteEndObject();
        w.WriteStartObject("completion_tokens_details"u8);
        w.WriteNumber("reasoning_tokens"u8, u.ReasoningTokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
