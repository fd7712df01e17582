namespace LlmRelay.Tasks;

/// <summary>Filters and a page of the task log (<c>GET /api/task/</c>, <c>/api/task/self</c>, <c>/api/mj/</c>).</summary>
public sealed record RelayTaskQuery
{
    /// <summary>Gets the page, from 1.</summary>
    /// <value>The default value is 1.</value>
    public int Page { get; init; } = 1;

    /// <summary>Gets the page size.</summary>
    /// <value>The default value is 20.</value>
    public int PageSize { get; init; } = 20;

    /// <summary>Gets the platform (<see cref="RelayTaskPlatforms"/>), or <see langword="null"/> for all.</summary>
    public string? Platform { get; init; }

    /// <summary>Gets the owner, or <see langword="null"/> for every user.</summary>
    public long? UserId { get; init; }

    /// <summary>Gets the channel, or <see langword="null"/> for all.</summary>
    public long? ChannelId { get; init; }

    /// <summary>Gets the public task id, or <see langword="null"/>.</summary>
    public string? TaskId { get; init; }

    /// <summary>Gets the status, or <see langword="null"/> for all.</summary>
    public RelayTaskStatus? Status { get; init; }

    /// <summary>Gets the earliest creation time, or <see langword="null"/>.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Gets the latest creation time, or <see langword="null"/>.</summary>
    public DateTimeOffset? To { get; init; }
}
