using System.Text.Json;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI;

/// <summary>Reads an OpenAI Chat <c>usage</c> object into <see cref="TokenUsage"/>.</summary>
internal static class OpenAIUsageReader
{
    public static TokenUsage Read(ref Utf8JsonReader r)
    {
        long prompt = 0, completion = 0, total = 0, cached = 0, reasoning = 0;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("prompt_tokens"u8) || r.ValueTextEquals("input_tokens"u8))
            {
                r.Read();
                prompt = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("completion_tokens"u8) || r.ValueTextEquals("output_tokens"u8))
            {
                r.Read();
                completion = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("total_tokens"u8))
            {
                r.Read();
                total = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("prompt_tokens_details"u8) || r.ValueTextEquals("input_tokens_details"u8))
            {
                r.Read();
                cached = ReadDetail(ref r, "cached_tokens"u8, cached);
            }
            else if (r.ValueTextEquals("completion_tokens_details"u8) || r.ValueTextEquals("output_tokens_details"u8))
            {
                r.Read();
                reasoning = ReadDetail(ref r, "reasoning_tokens"u8, reasoning);
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }

        return new TokenUsage
        {
            InputTokens = prompt,
            OutputTokens = completion,
            CachedInputTokens = cached,
            ReasoningTokens = reasoning,
            TotalTokens = total != 0 ? total : prompt + completion,
        };
    }

    /// <summary>Reads the number <paramref name="name"/> from the object the reader is on (a <c>*_details</c> object), or keeps <paramref name="current"/>.</summary>
    internal static long ReadDetail(ref Utf8JsonReader r, ReadOnlySpan<byte> name, long current)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Json.SkipValue(ref r);
            return current;
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals(name))
            {
                r.Read();
                current = Json.Int64(ref r);
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }

        return current;
    }
}
