namespace LlmRelay.AspNetCore.Relay.Videos;

/// <summary>The two caller-facing video APIs over the same tasks (issue #17).</summary>
internal enum VideoFamily
{
    /// <summary>OpenAI's Videos API: <c>POST /v1/videos</c>, <c>GET /v1/videos/{id}</c>, <c>GET /v1/videos/{id}/content</c>.</summary>
    OpenAI,

    /// <summary>The generic task API: <c>POST /v1/video/generations</c> (<c>{"task_id","status"}</c>), <c>GET /v1/video/generations/{id}</c>.</summary>
    Generations,
}
