using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Saves an entity that a store returned and the caller then modified.</summary>
internal static class EntityUpdates
{
    /// <summary>Writes only the columns whose values changed.</summary>
    /// <remarks>
    /// An entity this scope loaded is tracked, so EF Core compares it with the values it was loaded with and
    /// writes only what the caller changed; a token's quota, which usage logs move concurrently with relative
    /// updates, is therefore left alone unless the caller set it. An entity from another scope is compared with
    /// the current row instead, so every value that differs is written, including a stale quota: load the token
    /// in the same scope before changing it.
    /// </remarks>
    public static async Task SaveAsync<TEntity>(LlmRelayDbContext db, TEntity entity, long id, CancellationToken cancellationToken)
        where TEntity : class
    {
        var entry = db.Entry(entity);
        if (entry.State == EntityState.Detached)
        {
            var current = await db.Set<TEntity>().FindAsync([id], cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"No {typeof(TEntity).Name} with id {id} exists.");
            db.Entry(current).CurrentValues.SetValues(entity);
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
