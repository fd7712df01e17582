using LlmRelay.Usage;

namespace LlmRelay.Storage;

/// <summary>Reads, aggregates and prunes <see cref="UsageLog"/> rows for the management API's log and statistics routes.</summary>
/// <remarks>
/// Separate from <see cref="IUsageLogStore"/>, which owns the write path. Every filter and aggregate runs in the
/// database; implementations never load rows to filter or sum them in memory. Implementations are registered as
/// scoped services and need not be thread-safe.
/// </remarks>
public interface IUsageLogQueries
{
    /// <summary>Reads one page of rows that match <paramref name="filter"/>, newest first, and the number of matching rows.</summary>
    /// <param name="filter">The filters; <see cref="UsageLogFilter.Username"/> is resolved to a user id first.</param>
    /// <param name="page">The 1-based page number.</param>
    /// <param name="pageSize">The rows per page.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The page and the total; empty when the user name is unknown.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="filter"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="page"/> or <paramref name="pageSize"/> is less than 1.</exception>
    Task<UsageLogPage> QueryAsync(UsageLogFilter filter, int page, int pageSize, CancellationToken cancellationToken = default);

    /// <summary>Reads every row that matches <paramref name="filter"/>, newest first, one page at a time.</summary>
    /// <param name="filter">The filters; <see cref="UsageLogFilter.Username"/> is resolved to a user id first.</param>
    /// <param name="pageSize">The rows per page.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The pages, none empty; nothing when the user name is unknown.</returns>
    /// <remarks>
    /// Each page is one query that starts after the last row of the page before (by creation time, then id), so a page
    /// costs the same at any depth, no row is read twice or skipped, and rows written during the read (newer than its
    /// first page) are not part of it. Only one page is held at a time: an export of millions of rows needs no more memory
    /// than one of a few.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="filter"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is less than 1.</exception>
    IAsyncEnumerable<IReadOnlyList<UsageLog>> ReadPagesAsync(UsageLogFilter filter, int pageSize, CancellationToken cancellationToken = default);

    /// <summary>Returns the user names of the given user ids; ids without a user are left out.</summary>
    /// <param name="userIds">The user ids.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A map from user id to user name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="userIds"/> is <see langword="null"/>.</exception>
    Task<IReadOnlyDictionary<long, string>> GetUsernamesAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken = default);

    /// <summary>Deletes every row created before <paramref name="before"/>, in batches so that no single statement holds the table for long.</summary>
    /// <param name="before">The exclusive upper bound of <see cref="UsageLog.CreatedAt"/>.</param>
    /// <param name="cancellationToken">A token to cancel the operation; batches already deleted stay deleted.</param>
    /// <returns>The number of rows deleted.</returns>
    Task<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default);

    /// <summary>Sums the quota of the matching rows and counts requests and tokens of the last 60 seconds.</summary>
    /// <param name="filter">The filters; <see cref="UsageLogFilter.Start"/> and <see cref="UsageLogFilter.End"/> bound only the quota sum.</param>
    /// <param name="now">The current time; the rate window is <c>[now - 60 s, now]</c>.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The statistics.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="filter"/> is <see langword="null"/>.</exception>
    Task<UsageLogStats> GetStatsAsync(UsageLogFilter filter, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Aggregates the matching rows per model and per hour (UTC), oldest hour first.</summary>
    /// <param name="filter">The filters.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>One entry per model and hour that has rows.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="filter"/> is <see langword="null"/>.</exception>
    Task<IReadOnlyList<UsageLogHourlyAggregate>> GetHourlyAsync(UsageLogFilter filter, CancellationToken cancellationToken = default);
}
