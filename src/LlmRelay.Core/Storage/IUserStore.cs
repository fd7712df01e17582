using LlmRelay.Users;

namespace LlmRelay.Storage;

/// <summary>Stores <see cref="RelayUser"/> entities.</summary>
/// <remarks>Implementations are registered as scoped services and are not thread-safe.</remarks>
public interface IUserStore
{
    /// <summary>Finds a user by identifier.</summary>
    /// <param name="id">The identifier.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The user, or <see langword="null"/>.</returns>
    Task<RelayUser?> FindAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Finds a user by sign-in name, ignoring case.</summary>
    /// <param name="username">The sign-in name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The user, or <see langword="null"/>.</returns>
    Task<RelayUser?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>Finds a user by the SHA-256 of their management access token.</summary>
    /// <param name="accessTokenHash">The lowercase hexadecimal hash.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The user, or <see langword="null"/>.</returns>
    Task<RelayUser?> FindByAccessTokenHashAsync(string accessTokenHash, CancellationToken cancellationToken = default);

    /// <summary>Finds a user by affiliate code.</summary>
    /// <param name="affCode">The code.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The user, or <see langword="null"/>.</returns>
    Task<RelayUser?> FindByAffCodeAsync(string affCode, CancellationToken cancellationToken = default);

    /// <summary>Returns whether any user has <see cref="UserRole.Root"/>.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when a root user exists.</returns>
    Task<bool> RootExistsAsync(CancellationToken cancellationToken = default);

    /// <summary>Returns a page of users ordered by identifier, filtered by <see cref="PageQuery.Keyword"/> (username, display name or e-mail), <see cref="PageQuery.Group"/> and <see cref="PageQuery.RoleBelow"/>.</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The page.</returns>
    Task<PagedResult<RelayUser>> QueryAsync(PageQuery query, CancellationToken cancellationToken = default);

    /// <summary>Adds a user and assigns its <see cref="RelayUser.Id"/>.</summary>
    /// <param name="user">The user.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the user is stored.</returns>
    Task AddAsync(RelayUser user, CancellationToken cancellationToken = default);

    /// <summary>Saves every field of an existing user.</summary>
    /// <param name="user">The user.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the user is saved.</returns>
    Task UpdateAsync(RelayUser user, CancellationToken cancellationToken = default);

    /// <summary>Deletes a user.</summary>
    /// <param name="id">The identifier.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when a user was deleted.</returns>
    Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Atomically adds <paramref name="delta"/> (which may be negative) to a user's quota.</summary>
    /// <param name="id">The identifier.</param>
    /// <param name="delta">The quota to add.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when the user exists.</returns>
    Task<bool> AddQuotaAsync(long id, long delta, CancellationToken cancellationToken = default);
}
