using LlmRelay.Usage;

namespace LlmRelay.Storage;

/// <summary>Persists <see cref="UsageLog"/> rows and the quota they move.</summary>
/// <remarks>Implementations are registered as scoped services and need not be thread-safe.</remarks>
public interface IUsageLogStore
{
    /// <summary>Appends a batch of log rows and applies their quota in one transaction.</summary>
    /// <remarks>The same as <see cref="AppendAsync(IReadOnlyList{UsageLog}, IReadOnlyCollection{QuotaSettlement}, CancellationToken)"/> with no extra settlements.</remarks>
    /// <param name="logs">The rows to append.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the batch is stored.</returns>
    Task AppendAsync(IReadOnlyList<UsageLog> logs, CancellationToken cancellationToken = default) => AppendAsync(logs, [], cancellationToken);

    /// <summary>Appends a batch of log rows and applies their quota, and the quota of rows that were settled without being stored, in one transaction.</summary>
    /// <remarks>
    /// Settles each row: the token's remaining quota decreases by the charge minus <see cref="UsageLog.ReservedQuota"/>
    /// (which <see cref="ITokenStore.TryReserveQuotaAsync"/> already took) and its used quota increases by the charge,
    /// where the charge is <see cref="UsageLog.Quota"/> for <see cref="UsageLogType.Consume"/> rows and 0 otherwise (a failed
    /// call gets its reservation back). The owning user's quota moves the same way (the reservation took it from the user
    /// too), its used quota increases by the charge and its request count by one per consume row.
    /// Each of <paramref name="settlements"/> moves the same balances as the rows it sums (see <see cref="QuotaSettlement"/>).
    /// Every update is relative (never read-then-write), so concurrent writers cannot lose an update.
    /// Either every row and every quota change is stored, or none is.
    /// </remarks>
    /// <param name="logs">The rows to append.</param>
    /// <param name="settlements">The settlements of rows that are not stored (dropped from a full queue), applied with the batch.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the batch is stored.</returns>
    Task AppendAsync(IReadOnlyList<UsageLog> logs, IReadOnlyCollection<QuotaSettlement> settlements, CancellationToken cancellationToken = default);

    /// <summary>Reads one page of log rows, newest first.</summary>
    /// <param name="query">The filters and page.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The page and the total number of rows that match the filters.</returns>
    Task<UsageLogPage> QueryAsync(UsageLogQuery query, CancellationToken cancellationToken = default);
}
