// EF Core translates ToLower() and Contains() to SQL (LOWER, LIKE/instr); culture overloads do not translate.
#pragma warning disable CA1304, CA1311, CA1862

using LlmRelay.Tokens;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Stores <see cref="ApiToken"/> rows in the <c>tokens</c> table.</summary>
/// <param name="db">The scope's context.</param>
/// <param name="reservations">Makes quota reservations (grouped on SQLite).</param>
internal sealed class EfTokenStore(LlmRelayDbContext db, QuotaReservationQueue reservations) : ITokenStore
{
    public Task<QuotaReservation> TryReserveQuotaAsync(long tokenId, long amount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        return reservations.ReserveAsync(db, tokenId, amount, cancellationToken);
    }

    public async Task<ApiToken?> FindByKeyHashAsync(string keyHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyHash);
        return await db.Tokens.FirstOrDefaultAsync(t => t.KeyHash == keyHash, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ApiToken?> FindAsync(long id, CancellationToken cancellationToken = default) =>
        await db.Tokens.FindAsync([id], cancellationToken).ConfigureAwait(false);

    public async Task AddAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        db.Tokens.Add(token);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task UpdateAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        await EntityUpdates.SaveAsync(db, token, token.Id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PagedResult<ApiToken>> QueryAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = db.Tokens.AsNoTracking();
        if (query.UserId is { } userId)
        {
            rows = rows.Where(t => t.UserId == userId);
        }

        if (!string.IsNullOrEmpty(query.Keyword))
        {
            var keyword = query.Keyword.ToLowerInvariant();
            rows = rows.Where(t => t.Name.ToLower().Contains(keyword));
        }

        return await Paging.PageAsync(rows.OrderBy(static t => t.Id), query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> DeleteAsync(IReadOnlyCollection<long> ids, long? userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids.ToList();
        var rows = db.Tokens.Where(t => list.Contains(t.Id));
        if (userId is { } owner)
        {
            rows = rows.Where(t => t.UserId == owner);
        }

        var deleted = await rows.ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        foreach (var tracked in db.Tokens.Local.Where(t => list.Contains(t.Id)).ToList())
        {
            db.Entry(tracked).State = EntityState.Detached;
        }

        return deleted;
    }
}
