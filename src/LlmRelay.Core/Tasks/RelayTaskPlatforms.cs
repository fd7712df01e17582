namespace LlmRelay.Tasks;

/// <summary>The names of the task platforms stored in <see cref="RelayTask.Platform"/>.</summary>
public static class RelayTaskPlatforms
{
    /// <summary>A video generation relayed to an OpenAI Videos API upstream (<c>POST /v1/videos</c>, <c>POST /v1/video/generations</c>).</summary>
    public const string Video = "video";

    /// <summary>A Midjourney-style image task, listed by <c>GET /api/mj/</c>; LlmRelay relays none yet, the lists are real queries over the same store.</summary>
    public const string Midjourney = "midjourney";
}
