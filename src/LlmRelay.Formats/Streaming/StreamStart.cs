namespace LlmRelay.Formats.Streaming;

/// <summary>What a decoder knows when a stream starts.</summary>
/// <param name="Id">The upstream message/response id.</param>
/// <param name="Model">The model name reported upstream.</param>
/// <param name="Created">Unix seconds, when reported.</param>
/// <param name="Usage">Usage known at start (Anthropic and Gemini report prompt tokens up front).</param>
public readonly record struct StreamStart(string? Id, string? Model, long Created, TokenUsage? Usage);
