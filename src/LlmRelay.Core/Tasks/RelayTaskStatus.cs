namespace LlmRelay.Tasks;

/// <summary>Where an asynchronous upstream task (a video generation) stands, as OpenAI's Videos API names it.</summary>
public enum RelayTaskStatus
{
    /// <summary>Accepted by the upstream, not started (<c>queued</c>).</summary>
    Queued = 0,

    /// <summary>Being generated (<c>in_progress</c>).</summary>
    InProgress = 1,

    /// <summary>Finished with a result (<c>completed</c>); its charge stands.</summary>
    Completed = 2,

    /// <summary>Failed, or timed out at the gateway (<c>failed</c>); its charge was refunded.</summary>
    Failed = 3,
}
