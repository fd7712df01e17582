using LlmRelay.Pipeline;

namespace LlmRelay.Tasks;

/// <summary>The upstream's answer to a video content download, or why there is none.</summary>
/// <param name="Response">The upstream's 2xx answer, headers read and body unread (the caller disposes it), or <see langword="null"/>.</param>
/// <param name="Error">Why there is no content, or <see langword="null"/>.</param>
public readonly record struct VideoContent(HttpResponseMessage? Response, RelayError? Error);
