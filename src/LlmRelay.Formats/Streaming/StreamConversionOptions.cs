namespace LlmRelay.Formats.Streaming;

/// <summary>Options for converted streams.</summary>
public sealed record StreamConversionOptions
{
    /// <summary>Gets the model name to report to the caller; <see langword="null"/> reports the upstream's.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the creation time (Unix seconds) used when the upstream does not report one.</summary>
    /// <value>The default value is the current time.</value>
    public long Created { get; init; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Gets a value indicating whether an OpenAI target stream ends with a usage chunk.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool IncludeUsage { get; init; } = true;

    /// <summary>Gets a value indicating whether a Gemini target stream is one streamed JSON array (<c>streamGenerateContent</c> without <c>alt=sse</c>) instead of SSE.</summary>
    /// <value>The default value is <see langword="false"/>; other target families ignore it.</value>
    public bool GeminiJsonArray { get; init; }

    /// <summary>Gets the fallback id when the upstream reports none.</summary>
    public string FallbackId { get; init; } = "relay";
}
