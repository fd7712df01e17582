using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Saves an entity that a store returned and the caller then modified.</summary>
internal static class EntityUpdates
{
    /// <summary>Writes only the columns whose values changed.</summary>
    /// <remarks>
    /// An entity this scope loaded is tracked, so EF Core compares it with the values it was loaded with. An
    /// entity from another scope is compared with the current row instead. Either way, columns the caller did
    /// not change (such as a token's quota, which usage logs move concurrently) are not written back.
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
