using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Stores <see cref="UsageLog"/> rows in the <c>usage_logs</c> table and moves the token quota they charge.</summary>
/// <param name="db">The scope's context.</param>
/// <param name="ledger">This instance's id, whose reservation records the settlement takes the reserved quota off.</param>
internal sealed class EfUsageLogStore(LlmRelayDbContext db, QuotaReservationLedger ledger) : IUsageLogStore
{
    /// <remarks>
    /// The rows and the quota they move are written with raw commands (<see cref="UsageLogInserter"/>), not through
    /// the change tracker: the load benchmark showed EF's tracked inserts costing more CPU than relaying the request,
    /// and one EF <c>ExecuteUpdate</c> per token a third of the throughput with many tokens.
    /// <code>
    /// BEGIN (IMMEDIATE on SQLite: takes the write lock up front, waits up to the busy timeout)
    ///   tokens: remain_quota -= charged - reserved, used_quota += charged    -- summed per token, ascending id
    ///   users:  quota -= charged - reserved, used_quota += charged,
    ///           request_count += n                                         -- summed per user, ascending id
    ///   quota_reservations: amount -= reserved                             -- this instance's record per token (at most what it holds)
    ///   INSERT every row (PostgreSQL: binary COPY)
    /// COMMIT   (any failure: ROLLBACK, row ids reset to 0 so the caller can retry the same batch)
    /// </code>
    /// A failure caused by the rows' data rather than an outage (<see cref="UsageLogDataErrors"/>) is thrown as
    /// <see cref="UsageLogRejectedException"/>, so that the writer isolates the refused rows instead of retrying them.
    /// Rows are locked in ascending id order so that two batches touching the same tokens cannot deadlock.
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
        var reserved = new SortedDictionary<long, (long UserId, long Reserved)>();
        foreach (var log in logs)
        {
            ArgumentNullException.ThrowIfNull(log, nameof(logs));
            Accumulate(tokens, users, reserved, QuotaSettlement.Of(log));
        }

        foreach (var settlement in settlements)
        {
            Accumulate(tokens, users, reserved, settlement);
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
                await UsageLogInserter.For(db).WriteAsync(db, logs, tokens, users, reserved, ledger.InstanceId, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The transaction rolled back: forget the ids the failed INSERT handed out, so the same batch can be
            // appended again (the usage-log writer retries with the same objects).
            for (var i = 0; i < logs.Count; i++)
            {
                logs[i].Id = originalIds[i];
            }

            // Refused data fails again on every retry: the writer isolates the rows instead (UsageLogRejectedException).
            if (UsageLogDataErrors.Describe(ex) is { } reason)
            {
                throw new UsageLogRejectedException(reason, ex);
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

    /// <summary>Adds one settlement to the per-token, per-user and reserved deltas (also used by <see cref="EfRelayTaskStore"/> for a refund row).</summary>
    internal static void Accumulate(
        SortedDictionary<long, (long Balance, long Used, long Requests)> tokens,
        SortedDictionary<long, (long Balance, long Used, long Requests)> users,
        SortedDictionary<long, (long UserId, long Reserved)> reserved,
        QuotaSettlement settlement)
    {
        if (settlement.IsEmpty)
        {
            return;
        }

        if (settlement.TokenId != 0 && settlement.Reserved != 0)
        {
            reserved[settlement.TokenId] = (settlement.UserId, reserved.GetValueOrDefault(settlement.TokenId).Reserved + settlement.Reserved);
        }

        if (settlement.TokenId != 0)
        {
            var t = tokens.GetValueOrDefault(settlement.TokenId);
            tokens[settlement.TokenId] = (t.Balance + settlement.Charged - settlement.Reserved, t.Used + settlement.Charged, t.Requests + settlement.Requests);
        }

        if (settlement.UserId != 0)
        {
            var u = users.GetValueOrDefault(settlement.UserId);
            users[settlement.UserId] = (u.Balance + settlement.Charged - settlement.Reserved, u.Used + settlement.Charged, u.Requests + settlement.Requests);
        }
    }

    /// <remarks>The same query as the management API's (<see cref="EfUsageLogQueries"/>): totals from the hourly rollups, pages by deferred join.</remarks>
    public Task<UsageLogPage> QueryAsync(UsageLogQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Page, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var filter = new UsageLogFilter
        {
            Type = query.Type,
            Start = query.Start,
            End = query.End,
            UserId = query.UserId,
            TokenId = query.TokenId,
            TokenName = query.TokenName,
            ModelName = query.ModelName,
            ChannelId = query.ChannelId,
            Group = query.Group,
        };
        return new EfUsageLogQueries(db).QueryAsync(filter, query.Page, query.PageSize, cancellationToken);
    }
}
