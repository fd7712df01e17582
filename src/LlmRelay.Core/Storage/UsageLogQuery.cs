using LlmRelay.Usage;

namespace LlmRelay.Storage;

/// <summary>Filters and paging for <see cref="IUsageLogStore.QueryAsync"/>; a <see langword="null"/> filter matches everything.</summary>
public sealed record UsageLogQuery
{
    /// <summary>Gets the 1-based page number.</summary>
    /// <value>The default value is 1.</value>
    public int Page { get; init; } = 1;

    /// <summary>Gets the page size.</summary>
    /// <value>The default value is 20.</value>
    public int PageSize { get; init; } = 20;

    /// <summary>Gets the entry type to match.</summary>
    public UsageLogType? Type { get; init; }

    /// <summary>Gets the inclusive lower bound of <see cref="UsageLog.CreatedAt"/>.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>Gets the exclusive upper bound of <see cref="UsageLog.CreatedAt"/>.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>Gets the user to match.</summary>
    public long? UserId { get; init; }

    /// <summary>Gets the token to match.</summary>
    public long? TokenId { get; init; }

    /// <summary>Gets the token name to match exactly.</summary>
    public string? TokenName { get; init; }

    /// <summary>Gets the model name to match exactly.</summary>
    public string? ModelName { get; init; }

    /// <summary>Gets the channel to match.</summary>
    public long? ChannelId { get; init; }

    /// <summary>Gets the group to match exactly.</summary>
    public string? Group { get; init; }
}
