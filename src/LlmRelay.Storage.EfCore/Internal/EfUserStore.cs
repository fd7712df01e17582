// EF Core translates ToLower() and Contains() to SQL (LOWER, LIKE/instr); culture overloads do not translate.
#pragma warning disable CA1304, CA1311, CA1862

using LlmRelay.Users;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The EF Core <see cref="IUserStore"/>.</summary>
internal sealed class EfUserStore(LlmRelayDbContext db) : IUserStore
{
    public async Task<RelayUser?> FindAsync(long id, CancellationToken cancellationToken = default) =>
        await db.Users.FindAsync([id], cancellationToken).ConfigureAwait(false);

    public async Task<RelayUser?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(username);
        var lower = username.ToLowerInvariant();
        return await db.Users.FirstOrDefaultAsync(u => u.Username.ToLower() == lower, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RelayUser?> FindByAccessTokenHashAsync(string accessTokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accessTokenHash);
        return await db.Users.FirstOrDefaultAsync(u => u.AccessTokenHash == accessTokenHash, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RelayUser?> FindByAffCodeAsync(string affCode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(affCode);
        return await db.Users.FirstOrDefaultAsync(u => u.AffCode == affCode, cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> RootExistsAsync(CancellationToken cancellationToken = default) =>
        db.Users.AnyAsync(static u => u.Role == UserRole.Root, cancellationToken);

    public async Task<PagedResult<RelayUser>> QueryAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = db.Users.AsNoTracking();
        if (!string.IsNullOrEmpty(query.Keyword))
        {
            var keyword = query.Keyword.ToLowerInvariant();
            _ = long.TryParse(keyword, out var id);
            rows = rows.Where(u => u.Id == id || u.Username.ToLower().Contains(keyword) || u.DisplayName.ToLower().Contains(keyword) || u.Email.ToLower().Contains(keyword));
        }

        if (!string.IsNullOrEmpty(query.Group))
        {
            rows = rows.Where(u => u.Group == query.Group);
        }

        if (query.RoleBelow is { } below)
        {
            var self = query.UserId ?? 0;
            rows = rows.Where(u => u.Role < below || u.Id == self);
        }

        return await Paging.PageAsync(rows.OrderBy(static u => u.Id), query, cancellationToken).ConfigureAwait(false);
    }

    public async Task AddAsync(RelayUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        db.Users.Add(user);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task UpdateAsync(RelayUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        await EntityUpdates.SaveAsync(db, user, user.Id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        var deleted = await db.Users.Where(u => u.Id == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        if (deleted > 0 && db.Users.Local.FirstOrDefault(u => u.Id == id) is { } tracked)
        {
            db.Entry(tracked).State = EntityState.Detached;
        }

        return deleted > 0;
    }

    public async Task<bool> AddQuotaAsync(long id, long delta, CancellationToken cancellationToken = default)
    {
        var updated = await db.Users.Where(u => u.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.Quota, u => u.Quota + delta), cancellationToken).ConfigureAwait(false);
        if (updated > 0 && db.Users.Local.FirstOrDefault(u => u.Id == id) is { } tracked)
        {
            await db.Entry(tracked).ReloadAsync(cancellationToken).ConfigureAwait(false);
        }

        return updated > 0;
    }
}
