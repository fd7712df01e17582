// EF Core translates ToLower() and Contains() to SQL (LOWER, LIKE/instr); culture overloads do not translate.
#pragma warning disable CA1304, CA1311, CA1862

using LlmRelay.Management;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The EF Core <see cref="IRedemptionStore"/>.</summary>
internal sealed class EfRedemptionStore(LlmRelayDbContext db) : IRedemptionStore
{
    public async Task<RedemptionCode?> FindAsync(long id, CancellationToken cancellationToken = default) =>
        await db.Redemptions.FindAsync([id], cancellationToken).ConfigureAwait(false);

    public async Task<PagedResult<RedemptionCode>> QueryAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = db.Redemptions.AsNoTracking();
        if (!string.IsNullOrEmpty(query.Keyword))
        {
            var keyword = query.Keyword.ToLowerInvariant();
            _ = long.TryParse(keyword, out var id);
            rows = rows.Where(c => c.Id == id || c.Name.ToLower().Contains(keyword) || c.Key.ToLower() == keyword);
        }

        return await Paging.PageAsync(rows.OrderByDescending(static c => c.Id), query, cancellationToken).ConfigureAwait(false);
    }

    public async Task AddAsync(IReadOnlyList<RedemptionCode> codes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codes);
        db.Redemptions.AddRange(codes);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task UpdateAsync(RedemptionCode code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        await EntityUpdates.SaveAsync(db, code, code.Id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        var deleted = await db.Redemptions.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        if (deleted > 0 && db.Redemptions.Local.FirstOrDefault(c => c.Id == id) is { } tracked)
        {
            db.Entry(tracked).State = EntityState.Detached;
        }

        return deleted > 0;
    }

    public Task<int> DeleteInvalidAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        db.Redemptions
            .Where(c => c.Status != RedemptionStatus.Enabled || (c.ExpiresAt != null && c.ExpiresAt <= now))
            .ExecuteDeleteAsync(cancellationToken);

    public async Task<RedemptionCode?> RedeemAsync(string key, long userId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            // The conditional update is the claim: of two concurrent redeemers only one changes a row.
            var claimed = await db.Redemptions
                .Where(c => c.Key == key && c.Status == RedemptionStatus.Enabled && (c.ExpiresAt == null || c.ExpiresAt > now))
                .ExecuteUpdateAsync(
                    s => s.SetProperty(c => c.Status, RedemptionStatus.Used).SetProperty(c => c.RedeemedAt, now).SetProperty(c => c.UsedUserId, userId),
                    cancellationToken).ConfigureAwait(false);
            if (claimed == 0)
            {
                return null;
            }

            var code = await db.Redemptions.AsNoTracking().FirstAsync(c => c.Key == key, cancellationToken).ConfigureAwait(false);
            var updated = await db.Users.Where(u => u.Id == userId)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.Quota, u => u.Quota + code.Quota), cancellationToken).ConfigureAwait(false);
            if (updated == 0)
            {
                return null;
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (db.Users.Local.FirstOrDefault(u => u.Id == userId) is { } tracked)
            {
                await db.Entry(tracked).ReloadAsync(cancellationToken).ConfigureAwait(false);
            }

            return code;
        }
    }
}
