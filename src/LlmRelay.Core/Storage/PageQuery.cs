namespace LlmRelay.Storage;

/// <summary>A paged, optionally filtered query over users, tokens or redemption codes.</summary>
public sealed record PageQuery
{
    /// <summary>Gets the 1-based page number.</summary>
    /// <value>The default value is 1.</value>
    public int Page { get; init; } = 1;

    /// <summary>Gets the number of rows per page.</summary>
    /// <value>The default value is 20.</value>
    public int PageSize { get; init; } = 20;

    /// <summary>Gets text that the name (or username, e-mail, code) must contain, or <see langword="null"/> for any.</summary>
    public string? Keyword { get; init; }

    /// <summary>Gets the group rows must belong to, or <see langword="null"/> for any.</summary>
    public string? Group { get; init; }

    /// <summary>Gets the owning user's identifier rows must have, or <see langword="null"/> for any.</summary>
    /// <remarks>In a user query with <see cref="RoleBelow"/>, the user this names is listed whatever its role.</remarks>
    public long? UserId { get; init; }

    /// <summary>Gets the role users must be below to be listed (user queries only), or <see langword="null"/> for any role.</summary>
    /// <remarks>The management API lists an administrator the users below them plus themselves (<see cref="UserId"/>).</remarks>
    public Users.UserRole? RoleBelow { get; init; }
}
