using LlmRelay.Management;

namespace LlmRelay.Storage;

/// <summary>Stores <see cref="RedemptionCode"/> entities.</summary>
/// <remarks>Implementations are registered as scoped services and are not thread-safe.</remarks>
public interface IRedemptionStore
{
    /// <summary>Finds a code by identifier.</summary>
    /// <param name="id">The identifier.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The code, or <see langword="null"/>.</returns>
    Task<RedemptionCode?> FindAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Returns a page of codes, newest first, filtered by <see cref="PageQuery.Keyword"/> (name, code or identifier).</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The page.</returns>
    Task<PagedResult<RedemptionCode>> QueryAsync(PageQuery query, CancellationToken cancellationToken = default);

    /// <summary>Adds codes and assigns their identifiers.</summary>
    /// <param name="codes">The codes.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the codes are stored.</returns>
    Task AddAsync(IReadOnlyList<RedemptionCode> codes, CancellationToken cancellationToken = default);

    /// <summary>Saves every field of an existing code.</summary>
    /// <param name="code">The code.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the code is saved.</returns>
    Task UpdateAsync(RedemptionCode code, CancellationToken cancellationToken = default);

    /// <summary>Deletes a code.</summary>
    /// <param name="id">The identifier.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when a code was deleted.</returns>
    Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Deletes every code that was used, disabled or has expired by <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The number of deleted codes.</returns>
    Task<int> DeleteInvalidAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Atomically marks an enabled, unexpired code as used by <paramref name="userId"/> and adds its quota to that user.</summary>
    /// <param name="key">The code.</param>
    /// <param name="userId">The redeeming user.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The redeemed code, or <see langword="null"/> when no redeemable code matches.</returns>
    Task<RedemptionCode?> RedeemAsync(string key, long userId, DateTimeOffset now, CancellationToken cancellationToken = default);
}
