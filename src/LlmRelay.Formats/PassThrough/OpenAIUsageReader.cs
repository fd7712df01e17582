using System.Text.Json;

namespace LlmRelay.Formats.PassThrough;

/// <summary>Reads the <c>usage</c> object of an OpenAI Chat Completions body or stream chunk without deserialising the rest.</summary>
internal static class OpenAIUsageReader
{
    private static ReadOnlySpan<byte> UsageKey => "\"usage\""u8;

    /// <summary>Finds a non-null <c>"usage": {...}</c> in <paramref name="json"/> and reads it (Chat Completions, Completions, Embeddings and Responses names).</summary>
    /// <remarks>
    /// The key is found by a vectorised byte search: inside a JSON string a quote is always escaped, so the
    /// byte sequence <c>"usage"</c> followed by a colon only occurs as a property name.
    /// </remarks>
    /// <param name="json">A JSON document (a whole body or one SSE <c>data:</c> payload).</param>
    /// <param name="usage">The usage when found.</param>
    /// <returns><see langword="true"/> when a usage object was found and read.</returns>
    public static bool TryRead(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        var start = FindObject(json, UsageKey);
        return start >= 0 && TryReadObject(json[start..], out usage);
    }

    /// <summary>Returns the offset of the <c>{</c> that starts the value of the first property named <paramref name="quotedKey"/>, or -1.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="quotedKey">The property name with its quotes, such as <c>"usage"</c>.</param>
    public static int FindObject(ReadOnlySpan<byte> json, ReadOnlySpan<byte> quotedKey)
    {
        var offset = 0;
        while (true)
        {
            var index = json[offset..].IndexOf(quotedKey);
            if (index < 0)
            {
                return -1;
            }

            var position = offset + index + quotedKey.Length;
            position = SkipWhitespace(json, position);
            if (position < json.Length && json[position] == (byte)':')
            {
                position = SkipWhitespace(json, position + 1);
                return position < json.Length && json[position] == (byte)'{' ? position : -1; // -1 for "usage": null
            }

            offset = position;
        }
    }

    /// <summary>Returns the offset of the <c>{</c> that starts the value of the last property named <paramref name="quotedKey"/>, or -1 when that value is not an object.</summary>
    /// <remarks>
    /// For bodies where raw JSON supplied by the model (Anthropic <c>tool_use.input</c>, Gemini <c>functionCall.args</c>)
    /// comes before the upstream's own usage: a property of the same name inside such an object is never the last one.
    /// </remarks>
    /// <param name="json">The JSON text.</param>
    /// <param name="quotedKey">The property name with its quotes, such as <c>"usage"</c>.</param>
    public static int FindLastObject(ReadOnlySpan<byte> json, ReadOnlySpan<byte> quotedKey)
    {
        var end = json.Length;
        while (true)
        {
            var index = json[..end].LastIndexOf(quotedKey);
            if (index < 0)
            {
                return -1;
            }

            var position = SkipWhitespace(json, index + quotedKey.Length);
            if (position < json.Length && json[position] == (byte)':')
            {
                position = SkipWhitespace(json, position + 1);
                return position < json.Length && json[position] == (byte)'{' ? position : -1;
            }

            end = index; // A string value equal to the key, not a property name.
        }
    }

    /// <summary>Returns whether a chunk is OpenAI's usage-only chunk (<c>"choices":[]</c> with a usage object).</summary>
    /// <param name="json">One SSE <c>data:</c> payload.</param>
    /// <returns><see langword="true"/> when the chunk carries no choices.</returns>
    public static bool HasEmptyChoices(ReadOnlySpan<byte> json)
    {
        var index = json.IndexOf("\"choices\""u8);
        if (index < 0)
        {
            return true;
        }

        var position = SkipWhitespace(json, index + 9);
        if (position >= json.Length || json[position] != (byte)':')
        {
            return false;
        }

        position = SkipWhitespace(json, position + 1);
        if (position >= json.Length || json[position] != (byte)'[')
        {
            return false;
        }

        position = SkipWhitespace(json, position + 1);
        return position < json.Length && json[position] == (byte)']';
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int position)
    {
        while (position < json.Length && json[position] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            position++;
        }

        return position;
    }

    private static bool TryReadObject(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        long prompt = 0, completion = 0, cached = 0, reasoning = 0, cacheCreation = 0, total = 0;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = false });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
                {
                    usage = new TokenUsage
                    {
                        InputTokens = prompt,
                        OutputTokens = completion,
                        CachedInputTokens = cached,
                        ReasoningTokens = reasoning,
                        CacheCreationInputTokens = cacheCreation,
                        TotalTokens = total > 0 ? total : prompt + completion,
                    };
                    return true;
                }

                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                var depth = reader.CurrentDepth;
                if (depth == 1)
                {
                    if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
                    {
                        prompt = ReadInt(ref reader);
                    }
                    else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
                    {
                        completion = ReadInt(ref reader);
                    }
                    else if (reader.ValueTextEquals("total_tokens"u8))
                    {
                        total = ReadInt(ref reader);
                    }
                    else if (reader.ValueTextEquals("prompt_cache_hit_tokens"u8))
                    {
                        // DeepSeek reports its cache hits at the top level.
                        cached = Math.Max(cached, ReadInt(ref reader));
                    }
                }
                else if (depth == 2)
                {
                    if (reader.ValueTextEquals("cached_tokens"u8))
                    {
                        cached = Math.Max(cached, ReadInt(ref reader));
                    }
                    else if (reader.ValueTextEquals("reasoning_tokens"u8))
                    {
                        reasoning = ReadInt(ref reader);
                    }
                    else if (reader.ValueTextEquals("cache_creation_tokens"u8))
                    {
                        cacheCreation = ReadInt(ref reader);
                    }
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }

    private static long ReadInt(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            return 0;
        }

        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : 0;
    }
}
