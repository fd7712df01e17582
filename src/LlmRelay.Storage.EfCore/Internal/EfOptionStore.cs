using LlmRelay.Management;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The EF Core <see cref="IOptionStore"/>.</summary>
internal sealed class EfOptionStore(LlmRelayDbContext db) : IOptionStore
{
    public async Task<IReadOnlyList<SystemOption>> ListAsync(CancellationToken cancellationToken = default) =>
        await db.Options.AsNoTracking().OrderBy(static o => o.Key).ToListAsync(cancellationToken).ConfigureAwait(false);

    public async Task SetAsync(IReadOnlyList<SystemOption> options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keys = options.Select(static o => o.Key).ToList();
        var existing = await db.Options.Where(o => keys.Contains(o.Key)).ToDictionaryAsync(static o => o.Key, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
        foreach (var option in options)
        {
            if (existing.TryGetValue(option.Key, out var current))
            {
                current.Value = option.Value;
            }
            else
            {
                var added = new SystemOption { Key = option.Key, Value = option.Value };
                db.Options.Add(added);
                existing[option.Key] = added;
            }
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var entity in existing.Values)
        {
            db.Entry(entity).State = EntityState.Detached;
        }
    }
}
