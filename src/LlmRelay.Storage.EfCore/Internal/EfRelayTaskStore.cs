using LlmRelay.Tasks;
using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The EF Core <see cref="IRelayTaskStore"/>: the <c>tasks</c> table.</summary>
/// <remarks>
/// Progress and finishing are conditional updates on <c>status</c> (<c>WHERE id = @id AND status IN (queued, in_progress)</c>),
/// so a finished row is never changed again, whichever instance or round polls it. A refund is written by the usage-log
/// inserter in the transaction that finishes the task: the task ends and its quota comes back together, or neither.
/// </remarks>
/// <param name="db">The scope's context.</param>
/// <param name="ledger">This instance's id, which the usage-log inserter needs (a refund row reserved nothing, so no record changes).</param>
internal sealed class EfRelayTaskStore(LlmRelayDbContext db, QuotaReservationLedger ledger) : IRelayTaskStore
{
    public async Task AddAsync(RelayTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        db.Tasks.Add(task);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            db.Entry(task).State = EntityState.Detached;
        }
    }

    public Task<RelayTask?> FindAsync(string taskId, CancellationToken cancellationToken = default) =>
        db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.TaskId == taskId, cancellationToken);

    public async Task<IReadOnlyList<RelayTask>> ListDueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken = default) =>
        await Running(db.Tasks.AsNoTracking())
            .Where(t => t.NextPollAt <= now)
            .OrderBy(static t => t.NextPollAt)
            .Take(max)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);

    public async Task<bool> UpdateProgressAsync(RelayTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        var rows = await Running(db.Tasks.Where(t => t.Id == task.Id))
            .ExecuteUpdateAsync(
                set => set
                    .SetProperty(static t => t.Status, task.Status)
                    .SetProperty(static t => t.Progress, task.Progress)
                    .SetProperty(static t => t.Seconds, task.Seconds)
                    .SetProperty(static t => t.Size, task.Size)
                    .SetProperty(static t => t.PollCount, task.PollCount)
                    .SetProperty(static t => t.NextPollAt, task.NextPollAt)
                    .SetProperty(static t => t.UpdatedAt, task.UpdatedAt),
                cancellationToken)
            .ConfigureAwait(false);
        return rows == 1;
    }

    public async Task<bool> TryFinishAsync(RelayTask task, UsageLog? refund, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var rows = await Running(db.Tasks.Where(t => t.Id == task.Id))
                    .ExecuteUpdateAsync(
                        set => set
                            .SetProperty(static t => t.Status, task.Status)
                            .SetProperty(static t => t.Progress, task.Progress)
                            .SetProperty(static t => t.FailReason, task.FailReason)
                            .SetProperty(static t => t.Seconds, task.Seconds)
                            .SetProperty(static t => t.Size, task.Size)
                            .SetProperty(static t => t.PollCount, task.PollCount)
                            .SetProperty(static t => t.FinishedAt, task.FinishedAt)
                            .SetProperty(static t => t.UpdatedAt, task.UpdatedAt),
                        cancellationToken)
                    .ConfigureAwait(false);
                if (rows != 1)
                {
                    return false; // finished already, by another round or instance
                }

                if (refund is not null)
                {
                    var tokens = new SortedDictionary<long, (long Balance, long Used, long Requests)>();
                    var users = new SortedDictionary<long, (long Balance, long Used, long Requests)>();
                    var reserved = new SortedDictionary<long, (long UserId, long Reserved)>();
                    EfUsageLogStore.Accumulate(tokens, users, reserved, QuotaSettlement.Of(refund));
                    await UsageLogInserter.For(db).WriteAsync(db, [refund], tokens, users, reserved, ledger.InstanceId, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    public async Task<PagedResult<RelayTask>> QueryAsync(RelayTaskQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = db.Tasks.AsNoTracking();
        if (query.Platform is { } platform)
        {
            rows = rows.Where(t => t.Platform == platform);
        }

        if (query.UserId is { } userId)
        {
            rows = rows.Where(t => t.UserId == userId);
        }

        if (query.ChannelId is { } channelId)
        {
            rows = rows.Where(t => t.ChannelId == channelId);
        }

        if (query.TaskId is { } taskId)
        {
            rows = rows.Where(t => t.TaskId == taskId);
        }

        if (query.Status is { } status)
        {
            rows = rows.Where(t => t.Status == status);
        }

        if (query.From is { } from)
        {
            rows = rows.Where(t => t.CreatedAt >= from);
        }

        if (query.To is { } to)
        {
            rows = rows.Where(t => t.CreatedAt <= to);
        }

        var total = await rows.LongCountAsync(cancellationToken).ConfigureAwait(false);
        var items = await rows
            .OrderByDescending(static t => t.CreatedAt)
            .ThenByDescending(static t => t.Id)
            .Skip((Math.Max(1, query.Page) - 1) * query.PageSize)
            .Take(query.PageSize)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return new PagedResult<RelayTask>(items, total);
    }

    private static IQueryable<RelayTask> Running(IQueryable<RelayTask> tasks) =>
        tasks.Where(static t => t.Status == RelayTaskStatus.Queued || t.Status == RelayTaskStatus.InProgress);
}
