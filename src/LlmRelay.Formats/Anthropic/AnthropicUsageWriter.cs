using System.Text.Json;

namespace LlmRelay.Formats.Anthropic;

/// <summary>Writes <see cref="TokenUsage"/> in Anthropic's buckets (input excludes cache reads and writes).</summary>
internal static class AnthropicUsageWriter
{
    public static void Write(Utf8JsonWriter w, in TokenUsage u, long outputTokens)
    {
        w.WriteStartObject();
        w.WriteNumber("input_tokens"u8, Math.Max(0, u.InputTokens - u.CachedInputTokens - u.CacheCreationInputTokens));
        w.WriteNumber("cache_creation_input_tokens"u8, u.CacheCreationInputTokens);
        w.WriteNumber("cache_read_input_tokens"u8, u.CachedInputTokens);
        w.WriteNumber("output_tokens"u8, outputTokens);
        w.WriteEndObject();
    }
}
