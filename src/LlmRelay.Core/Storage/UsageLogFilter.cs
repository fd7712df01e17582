using LlmRelay.Usage;

namespace LlmRelay.Storage;

/// <summary>Filters for <see cref="IUsageLogQueries"/>; a <see langword="null"/> filter matches everything.</summary>
public sealed record UsageLogFilter
{
    /// <summary>Gets the entry type to match.</summary>
    public UsageLogType? Type { get; init; }

    /// <summary>Gets the inclusive lower bound of <see cref="UsageLog.CreatedAt"/>.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>Gets the exclusive upper bound of <see cref="UsageLog.CreatedAt"/>.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>Gets the user to match.</summary>
    public long? UserId { get; init; }

    /// <summary>Gets the user name to match exactly; resolved to a user id, and an unknown name matches nothing.</summary>
    public string? Username { get; init; }

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

    /// <summary>Gets a search keyword: a number matches the entry type; other text is contained in the content, or equals the model or token name.</summary>
    public string? Keyword { get; init; }
}
