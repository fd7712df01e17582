using System.Diagnostics.CodeAnalysis;

namespace LlmRelay.Formats.PassThrough;

/// <summary>What the relay needs to know of an OpenAI Chat Completions request body, read without deserialising it.</summary>
[SuppressMessage("Design", "CA1051:Do not declare visible instance fields", Justification = "A mutable struct the reader fills by reference on the hot path.")]
public struct OpenAIChatRequestInfo
{
    /// <summary>Gets or sets the requested model.</summary>
    public string Model;

    /// <summary>Gets or sets the byte offset of the <c>model</c> value token (its opening quote).</summary>
    public int ModelStart;

    /// <summary>Gets or sets the byte length of the <c>model</c> value token, quotes included.</summary>
    public int ModelLength;

    /// <summary>Gets or sets a value indicating whether the caller asked for a stream.</summary>
    public bool Stream;

    /// <summary>Gets or sets a value indicating whether <c>stream_options</c> is present.</summary>
    public bool HasStreamOptions;

    /// <summary>Gets or sets a value indicating whether <c>stream_options.include_usage</c> is <see langword="true"/>.</summary>
    public bool IncludeUsage;

    /// <summary>Gets or sets the value of <c>max_tokens</c> or <c>max_completion_tokens</c>, or 0.</summary>
    public int MaxTokens;

    /// <summary>Gets or sets a value indicating whether the body sets <c>max_tokens</c>, <c>max_completion_tokens</c> or <c>max_output_tokens</c> (to a number or, outside Anthropic bodies, to <see langword="null"/>).</summary>
    public bool HasMaxTokens;

    /// <summary>Gets or sets the <c>prompt_cache_key</c> of an OpenAI Chat Completions or Responses body, or <see langword="null"/>.</summary>
    public string? PromptCacheKey;

    /// <summary>Gets or sets the <c>previous_response_id</c> of an OpenAI Responses body, or <see langword="null"/>.</summary>
    public string? PreviousResponseId;
}
