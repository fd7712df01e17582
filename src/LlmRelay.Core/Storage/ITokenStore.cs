using LlmRelay.Tokens;

namespace LlmRelay.Storage;

/// <summary>Persists <see cref="ApiToken"/> entities.</summary>
/// <remarks>Implementations are registered as scoped services and need not be thread-safe.</remarks>
public interface ITokenStore
{
    /// <summary>Finds a token by the hash of its key.</summary>
    /// <param name="keyHash">The value <see cref="ApiKeys.Hash(string)"/> returns for the key.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The token, or <see langword="null"/> when no token has that key.</returns>
    Task<ApiToken?> FindByKeyHashAsync(string keyHash, CancellationToken cancellationToken = default);

    /// <summary>Finds a token by identifier.</summary>
    /// <param name="id">The token identifier.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The token, or <see langword="null"/> when none has that identifier.</returns>
    Task<ApiToken?> FindAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Adds a token and assigns its <see cref="ApiToken.Id"/>.</summary>
    /// <param name="token">The token to add.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the token is stored.</returns>
    Task AddAsync(ApiToken token, CancellationToken cancellationToken = default);

    /// <summary>Takes <paramref name="amount"/> from a token's remaining quota and from its owner's quota if, and only if, both cover it.</summary>
    /// <remarks>
    /// <para>
    /// The user's quota is the wallet and the token's quota a cap (a token with <see cref="ApiToken.UnlimitedQuota"/> has
    /// no cap, but its counter moves the same way so that settling is uniform). Both balances are taken, or neither:
    /// <code>
    ///   tokens: remain_quota -= amount  WHERE id = tokenId AND (unlimited_quota OR remain_quota &gt;= amount)
    ///   users:  quota        -= amount  WHERE id = the token's user_id AND quota &gt;= amount   (skipped when user_id = 0)
    /// </code>
    /// Conditional updates in one atomic step (PostgreSQL: one statement; SQLite: one transaction), never read-then-write,
    /// so concurrent reservations can take neither balance below zero. Settling the call's <see cref="Usage.UsageLog"/>
    /// (its <see cref="Usage.UsageLog.ReservedQuota"/>) returns the amount to both.
    /// Stores without users (in memory) reserve from the token only.
    /// </para>
    /// </remarks>
    /// <param name="tokenId">The token identifier.</param>
    /// <param name="amount">The quota to reserve; must not be negative.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see cref="QuotaReservation.Reserved"/> when the quota was reserved; otherwise which balance was short (nothing was taken).</returns>
    Task<QuotaReservation> TryReserveQuotaAsync(long tokenId, long amount, CancellationToken cancellationToken = default);

    /// <summary>Saves the changed fields of an existing token.</summary>
    /// <param name="token">The token, as returned by this store and then modified.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the change is stored.</returns>
    Task UpdateAsync(ApiToken token, CancellationToken cancellationToken = default);

    /// <summary>Returns a page of tokens ordered by identifier, filtered by <see cref="PageQuery.UserId"/> and <see cref="PageQuery.Keyword"/> (name).</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The page.</returns>
    Task<PagedResult<ApiToken>> QueryAsync(PageQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes tokens by identifier; when <paramref name="userId"/> is set, only that user's tokens.</summary>
    /// <param name="ids">The identifiers.</param>
    /// <param name="userId">The owning user, or <see langword="null"/> for any owner.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The number of deleted tokens.</returns>
    Task<int> DeleteAsync(IReadOnlyCollection<long> ids, long? userId, CancellationToken cancellationToken = default);
}
