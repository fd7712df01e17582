using System.Text.Json;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Gemini;

/// <summary>The one reader (and the writer) of Gemini <c>usageMetadata</c>: thoughts and tool-use prompt tokens in their own buckets.</summary>
/// <remarks>Read alike by pass-through sniffing, body conversion and stream rewriting (issue #14). Allocation-free.</remarks>
internal static class GeminiUsage
{
    public static TokenUsage Read(ref Utf8JsonReader r)
    {
        long prompt = 0, candidates = 0, total = 0, cached = 0, thoughts = 0, toolUse = 0;
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Json.SkipValue(ref r);
            return default;
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("promptTokenCount"u8))
            {
                r.Read();
                prompt = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("candidatesTokenCount"u8))
            {
                r.Read();
                candidates = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("totalTokenCount"u8))
            {
                r.Read();
                total = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("cachedContentTokenCount"u8))
            {
                r.Read();
                cached = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("thoughtsTokenCount"u8))
            {
                r.Read();
                thoughts = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("toolUsePromptTokenCount"u8))
            {
                r.Read();
                toolUse = Json.Int64(ref r);
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }

        return From(prompt, candidates, total, cached, thoughts, toolUse);
    }

    private static TokenUsage From(long prompt, long candidates, long total, long cached, long thoughts, long toolUse) => new()
    {
        InputTokens = prompt + toolUse,
        OutputTokens = candidates + thoughts,
        CachedInputTokens = cached,
        ReasoningTokens = thoughts,
        ToolUsePromptTokens = toolUse,
        TotalTokens = total != 0 ? total : prompt + toolUse + candidates + thoughts,
    };

    public static void Write(Utf8JsonWriter w, in TokenUsage u)
    {
        long prompt = u.InputTokens - u.ToolUsePromptTokens;
        long candidates = u.OutputTokens - u.ReasoningTokens;
        w.WriteStartObject();
        w.WriteNumber("promptTokenCount"u8, prompt);
        w.WriteNumber("candidatesTokenCount"u8, candidates);
        w.WriteNumber("totalTokenCount"u8, u.InputTokens + u.OutputTokens);
        if (u.CachedInputTokens > 0)
        {
            w.WriteNumber("cachedContentTokenCount"u8, u.CachedInputTokens);
        }

        if (u.ToolUsePromptTokens > 0)
        {
            w.WriteNumber("toolUsePromptTokenCount"u8, u.ToolUsePromptTokens);
        }

        if (u.ReasoningTokens > 0)
        {
            w.WriteNumber("thoughtsTokenCount"u8, u.ReasoningTokens);
        }

        w.WriteEndObject();
    }
}
