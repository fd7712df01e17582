namespace LlmRelay.Tasks;

/// <summary>One asynchronous upstream task (a video generation): who owns it, where it runs, where it stands, what it cost.</summary>
/// <remarks>
/// <code>
/// POST /v1/videos ─► RelayPipeline (reserve, select, send) ─► upstream id ─► RelayTask (Queued, Quota = the charge)
///   RelayTaskPoller, every NextPollAt (backoff) ─► GET {channel}/videos/{upstream id} through UpstreamSender
///     ─► Queued / InProgress (progress)  ─► Completed (charge stands)  ─► Failed or timed out (charge refunded, once)
/// </code>
/// Rows live in the database (table <c>tasks</c>), so a restarted gateway resumes polling where the last one stopped.
/// Not thread-safe; one instance per read.
/// </remarks>
public sealed class RelayTask
{
    /// <summary>Gets or sets the store-assigned identifier.</summary>
    public long Id { get; set; }

    /// <summary>Gets or sets the public task id the caller uses (<c>video_…</c>), unique.</summary>
    public string TaskId { get; set; } = "";

    /// <summary>Gets or sets the kind of task (<see cref="RelayTaskPlatforms"/>).</summary>
    public string Platform { get; set; } = RelayTaskPlatforms.Video;

    /// <summary>Gets or sets what was asked (<c>generate</c>).</summary>
    public string Action { get; set; } = "generate";

    /// <summary>Gets or sets the user who owns the key that created the task, or 0.</summary>
    public long UserId { get; set; }

    /// <summary>Gets or sets the key that created the task: only it may read the task and its content.</summary>
    public long TokenId { get; set; }

    /// <summary>Gets or sets the name of the key that created the task.</summary>
    public string TokenName { get; set; } = "";

    /// <summary>Gets or sets the group the task was routed in.</summary>
    public string Group { get; set; } = "";

    /// <summary>Gets or sets the channel that accepted the task (and is polled for it).</summary>
    public long ChannelId { get; set; }

    /// <summary>Gets or sets the index of the channel key the task was created with (polls and downloads use it: upstream tasks belong to an account).</summary>
    public int KeyIndex { get; set; }

    /// <summary>Gets or sets the model the caller asked for.</summary>
    public string ModelName { get; set; } = "";

    /// <summary>Gets or sets the model as the upstream names it.</summary>
    public string UpstreamModel { get; set; } = "";

    /// <summary>Gets or sets the upstream's id of the task.</summary>
    public string UpstreamTaskId { get; set; } = "";

    /// <summary>Gets or sets where the task stands.</summary>
    public RelayTaskStatus Status { get; set; }

    /// <summary>Gets or sets the progress the upstream reported, 0 to 100.</summary>
    public int Progress { get; set; }

    /// <summary>Gets or sets why the task failed, or empty.</summary>
    public string FailReason { get; set; } = "";

    /// <summary>Gets or sets the quota charged when the upstream accepted the task (returned when it fails).</summary>
    public long Quota { get; set; }

    /// <summary>Gets or sets the requested length in seconds as the upstream reported it (OpenAI's <c>seconds</c>), or empty.</summary>
    public string Seconds { get; set; } = "";

    /// <summary>Gets or sets the requested size (<c>1280x720</c>), or empty.</summary>
    public string Size { get; set; } = "";

    /// <summary>Gets or sets when the task was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Gets or sets when the task was last updated.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Gets or sets when the task finished (completed or failed), or <see langword="null"/> while it runs.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Gets or sets when the poller next asks the upstream (backoff).</summary>
    public DateTimeOffset NextPollAt { get; set; }

    /// <summary>Gets or sets how many times the upstream was polled.</summary>
    public int PollCount { get; set; }

    /// <summary>Gets or sets a value indicating whether the task is finished: its charge stands, or was refunded, exactly once.</summary>
    public bool IsFinished => Status is RelayTaskStatus.Completed or RelayTaskStatus.Failed;
}
