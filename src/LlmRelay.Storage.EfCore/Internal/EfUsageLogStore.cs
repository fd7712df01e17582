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
    public async Task AppendAsync(IReadOnlyList<UsageLog> logs, IReadOnlyCollection<QuotaSettlement> settlements, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(settlements);
        if (logs.Count == 0 && settlements.Count == 0)
        {
            return;
        }

        // Per token and per user: (balance change, used change, consume rows), applied in ascending id order.
        var tokens = new SortedDictionary<long, (long Balance, long Used, long Requests)>();
        var users = new SortedDictionary<long, (long Balance, long Used, long Requests)>();
        foreach (var log in logs)
        {
            ArgumentNullException.ThrowIfNull(log, nameof(logs));
            Accumulate(tokens, users, QuotaSettlement.Of(log));
        }

        foreach (var settlement in settlements)
        {
            Accumulate(tokens, users, settlement);
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
                foreach (var (tokenId, (balance, used, _)) in tokens)
                {
                    await db.Tokens
                        .Where(t => t.Id == tokenId)
                        .ExecuteUpdateAsync(
                            s => s.SetProperty(t => t.RemainQuota, t => t.RemainQuota - balance)
                                  .SetProperty(t => t.UsedQuota, t => t.UsedQuota + used),
                            cancellationToken)
                        .ConfigureAwait(false);
                }

                foreach (var (userId, (balance, used, requests)) in users)
                {
                    await db.Users
                        .Where(u => u.Id == userId)
                        .ExecuteUpdateAsync(
                            s => s.SetProperty(u => u.Quota, u => u.Quota - balance)
                                  .SetProperty(u => u.UsedQuota, u => u.UsedQuota + used)
                                  .SetProperty(u => u.RequestCount, u => u.RequestCount + requests),
                            cancellationToken)
                        .ConfigureAwait(false);
                }

                if (logs.Count > 0)
                {
                    await UsageLogInserter.For(db).InsertAsync(db, logs, cancellationToken).ConfigureAwait(false);
                }

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

    private static void Accumulate(
        SortedDictionary<long, (long Balance, long Used, long Requests)> tokens,
        SortedDictionary<long, (long Balance, long Used, long Requests)> users,
        QuotaSettlement settlement)
    {
        if (settlement.IsEmpty)
        {
            return;
        }

        if (settlement.TokenId != 0)
        {
            var t = tokens.GetValueOrDefault(settlement.TokenId);
            tokens[settlement.TokenId] = (t.Balance + settlement.Charged - settlement.Reserved, t.Used + settlement.Charged, t.Requests + settlement.Requests);
        }

        if (settlement.UserId != 0)
        {
            var u = users.GetValueOrDefault(settlement.UserId);
            users[settlement.UserId] = (u.Balance + settlement.Charged, u.Used + settlement.Charged, u.Requests + settlement.Requests);
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
