using System.Text.Json;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI;

/// <summary>The one reader of OpenAI-family <c>usage</c> objects: Chat Completions, Completions, Embeddings and Responses, with DeepSeek's cache counters.</summary>
/// <remarks>
/// Pass-through sniffing, body conversion and stream rewriting all read OpenAI usage here (issue #14), so one upstream
/// answer is billed the same whatever family the caller speaks. Names read:
/// <code>
/// prompt_tokens | input_tokens                          -> InputTokens (the whole prompt)
/// completion_tokens | output_tokens                     -> OutputTokens (reasoning included)
/// total_tokens                                          -> TotalTokens (else input + output)
/// prompt_tokens_details | input_tokens_details
///     .cached_tokens                                    -> CachedInputTokens
///     .cache_creation_tokens                            -> CacheCreationInputTokens
/// completion_tokens_details | output_tokens_details
///     .reasoning_tokens                                 -> ReasoningTokens
/// prompt_cache_hit_tokens (DeepSeek)                    -> CachedInputTokens (the larger of the two counts)
/// prompt_cache_miss_tokens (DeepSeek)                   -> with the hits, the prompt when prompt_tokens is missing
/// </code>
/// Allocation-free and thread-safe.
/// </remarks>
public static class OpenAIUsageReader
{
    /// <summary>Finds the first non-null <c>"usage": {...}</c> in <paramref name="json"/> and reads it.</summary>
    /// <param name="json">A JSON document (a whole body or one SSE <c>data:</c> payload).</param>
    /// <param name="usage">The usage when found.</param>
    /// <returns><see langword="true"/> when a whole usage object was found and read.</returns>
    public static bool TryRead(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        var start = JsonLocator.FindObject(json, "\"usage\""u8);
        if (start < 0)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json[start..]);
            reader.Read();
            usage = Read(ref reader);
            return reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0;
        }
        catch (JsonException)
        {
            usage = default;
            return false;
        }
    }

    /// <summary>Reads the usage object <paramref name="r"/> is on (its <see cref="JsonTokenType.StartObject"/>), leaving it on the object's end.</summary>
    /// <param name="r">The reader, on the start of the usage object.</param>
    /// <returns>The usage, normalised.</returns>
    public static TokenUsage Read(ref Utf8JsonReader r)
    {
        long prompt = 0, completion = 0, total = 0, cached = 0, cacheCreation = 0, reasoning = 0, hits = 0, misses = 0;
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Json.SkipValue(ref r);
            return default;
        }

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
            else if (r.ValueTextEquals("prompt_cache_hit_tokens"u8))
            {
                r.Read();
                hits = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("prompt_cache_miss_tokens"u8))
            {
                r.Read();
                misses = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("prompt_tokens_details"u8) || r.ValueTextEquals("input_tokens_details"u8))
            {
                r.Read();
                ReadPromptDetails(ref r, ref cached, ref cacheCreation);
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

        if (prompt == 0)
        {
            prompt = hits + misses;
        }

        return new TokenUsage
        {
            InputTokens = prompt,
            OutputTokens = completion,
            CachedInputTokens = Math.Max(cached, hits),
            CacheCreationInputTokens = cacheCreation,
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

    private static void ReadPromptDetails(ref Utf8JsonReader r, ref long cached, ref long cacheCreation)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Json.SkipValue(ref r);
            return;
        }

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("cached_tokens"u8))
            {
                r.Read();
                cached = Json.Int64(ref r);
            }
            else if (r.ValueTextEquals("cache_creation_tokens"u8))
            {
                r.Read();
                cacheCreation = Json.Int64(ref r);
            }
            else
            {
                Json.SkipValue(ref r);
            }
        }
    }
}
