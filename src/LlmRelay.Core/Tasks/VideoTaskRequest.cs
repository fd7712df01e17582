namespace LlmRelay.Tasks;

/// <summary>A validated video generation request, in the terms of OpenAI's Videos API (<c>POST /videos</c>).</summary>
/// <remarks>The HTTP endpoints read it from either caller family (<c>/v1/videos</c>, <c>/v1/video/generations</c>) and check every field first.</remarks>
public sealed record VideoTaskRequest
{
    /// <summary>Gets the model the caller asked for.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the text prompt.</summary>
    public required string Prompt { get; init; }

    /// <summary>Gets the length in seconds as OpenAI writes it (<c>"4"</c>), or <see langword="null"/> for the upstream's default.</summary>
    public string? Seconds { get; init; }

    /// <summary>Gets the size (<c>720x1280</c>), or <see langword="null"/> for the upstream's default.</summary>
    public string? Size { get; init; }

    /// <summary>Gets the caller's address as logged.</summary>
    /// <value>The default value is the empty string.</value>
    public string Ip { get; init; } = "";

    /// <summary>Gets the request id logged with the call.</summary>
    /// <value>The default value is the empty string.</value>
    public string RequestId { get; init; } = "";
}
