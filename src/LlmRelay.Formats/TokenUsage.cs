namespace LlmRelay.Formats;

/// <summary>Token usage reported by an upstream, normalised to one set of buckets.</summary>
/// <remarks>
/// <see cref="InputTokens"/> is the whole prompt, including cached and cache-creation tokens and
/// Gemini tool-use prompt tokens; <see cref="OutputTokens"/> is the whole completion, including reasoning.
/// Each family's converter maps these back into its own buckets (Anthropic excludes cache reads from
/// <c>input_tokens</c>; Gemini excludes thoughts from <c>candidatesTokenCount</c>).
/// </remarks>
public readonly record struct TokenUsage
{
    /// <summary>Gets all prompt tokens, including cached ones.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets all completion tokens, including reasoning.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets prompt tokens served from the cache.</summary>
    public long CachedInputTokens { get; init; }

    /// <summary>Gets prompt tokens written to the cache (Anthropic cache creation).</summary>
    public long CacheCreationInputTokens { get; init; }

    /// <summary>Gets how many of <see cref="CacheCreationInputTokens"/> were written to Anthropic's 1-hour cache (<c>cache_creation.ephemeral_1h_input_tokens</c>); the rest went to the 5-minute cache.</summary>
    public long CacheCreation1hInputTokens { get; init; }

    /// <summary>Gets completion tokens spent on reasoning/thinking.</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>Gets prompt tokens produced by server-side tools (Gemini <c>toolUsePromptTokenCount</c>).</summary>
    public long ToolUsePromptTokens { get; init; }

    /// <summary>Gets the total reported by the upstream, or input + output.</summary>
    public long TotalTokens { get; init; }
}
