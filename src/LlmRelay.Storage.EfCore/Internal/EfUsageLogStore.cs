using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Stores <see cref="UsageLog"/> rows in the <c>usage_logs</c> table and moves the token quota they charge.</summary>
/// <param name="db">The scope's context.</param>
internal sealed class EfUsageLogStore(LlmRelayDbContext db) : IUsageLogStore
{
    /// <remarks>
    /// The rows are inserted with raw, prepared commands (<see cref="UsageLogInserter"/>), not through the change
    /// tracker: the load benchmark showed EF's tracked inserts costing more CPU than relaying the request.
    /// <code>
    /// BEGIN (IMMEDIATE on SQLite: takes the write lock up front, waits up to the busy timeout)
    ///   UPDATE tokens SET remain_quota = remain_quota - @q, used_quota = used_quota + @q WHERE id = @t   -- per token, ascending id
    ///   INSERT INTO usage_logs ...                                                                     -- every row
    /// COMMIT   (any failure: ROLLBACK, row ids reset to 0 so the caller can retry the same batch)
    /// </code>
    /// Tokens are updated in ascending id order so that two batches touching the same tokens cannot deadlock.
    /// </remarks>
    public async Task AppendAsync(IReadOnlyList<UsageLog> logs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logs);
        if (logs.Count == 0)
        {
            return;
        }

        var charges = new SortedDictionary<long, long>();
        foreach (var log in logs)
        {
            ArgumentNullException.ThrowIfNull(log, nameof(logs));
            if (log.Type == UsageLogType.Consume && log.TokenId != 0 && log.Quota != 0)
            {
                charges[log.TokenId] = charges.GetValueOrDefault(log.TokenId) + log.Quota;
            }
        }

        var originalIds = new long[logs.Count];
        for (var i = 0; i < logs.Count; i++)
        {
            originalIds[i] = logs[i].Id;
        }

        var opened = false;
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            opened = true;
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                foreach (var (tokenId, quota) in charges)
                {
                    await db.Tokens
                        .Where(t => t.Id == tokenId)
                        .ExecuteUpdateAsync(
                            s => s.SetProperty(t => t.RemainQuota, t => t.RemainQuota - quota)
                                  .SetProperty(t => t.UsedQuota, t => t.UsedQuota + quota),
                            cancellationToken)
                        .ConfigureAwait(false);
                }

                await UsageLogInserter.For(db).InsertAsync(db, logs, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // The transaction rolled back: forget the ids the failed INSERT handed out, so the same batch can be
            // appended again (the usage-log writer retries with the same objects).
            for (var i = 0; i < logs.Count; i++)
            {
                logs[i].Id = originalIds[i];
            }

            throw;
        }
        finally
        {
            if (opened)
            {
                await db.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    public async Task<UsageLogPage> QueryAsync(UsageLogQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Page, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));

        var logs = db.UsageLogs.AsNoTracking();
        if (query.Type is { } type)
        {
            logs = logs.Where(l => l.Type == type);
        }

        if (query.Start is { } start)
        {
            logs = logs.Where(l => l.CreatedAt >= start);
        }

        if (query.End is { } end)
        {
            logs = logs.Where(l => l.CreatedAt < end);
        }

        if (query.UserId is { } userId)
        {
            logs = logs.Where(l => l.UserId == userId);
        }

        if (query.TokenId is { } tokenId)
        {
            logs = logs.Where(l => l.TokenId == tokenId);
        }

        if (query.TokenName is { } tokenName)
        {
            logs = logs.Where(l => l.TokenName == tokenName);
        }

        if (query.ModelName is { } modelName)
        {
            logs = logs.Where(l => l.ModelName == modelName);
        }

        if (query.ChannelId is { } channelId)
        {
            logs = logs.Where(l => l.ChannelId == channelId);
        }

        if (query.Group is { } group)
        {
            logs = logs.Where(l => l.Group == group);
        }

        var total = await logs.LongCountAsync(cancellationToken).ConfigureAwait(false);
        var skip = (long)(query.Page - 1) * query.PageSize;
        if (total == 0 || skip >= total)
        {
            return new UsageLogPage([], total);
        }

        var items = await logs
            .OrderByDescending(static l => l.CreatedAt)
            .ThenByDescending(static l => l.Id)
            .Skip((int)skip)
            .Take(query.PageSize)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return new UsageLogPage(items, total);
    }
}
