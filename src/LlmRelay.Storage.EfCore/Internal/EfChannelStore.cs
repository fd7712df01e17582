using LlmRelay.Channels;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Stores <see cref="RelayChannel"/> rows in the <c>channels</c> table.</summary>
/// <param name="db">The scope's context.</param>
internal sealed class EfChannelStore(LlmRelayDbContext db) : IChannelStore
{
    public async Task<IReadOnlyList<RelayChannel>> ListAsync(CancellationToken cancellationToken = default) =>
        await db.Channels.OrderBy(static c => c.Id).ToListAsync(cancellationToken).ConfigureAwait(false);

    public async Task<RelayChannel?> FindAsync(long id, CancellationToken cancellationToken = default) =>
        await db.Channels.FindAsync([id], cancellationToken).ConfigureAwait(false);

    public async Task AddAsync(RelayChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        db.Channels.Add(channel);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task UpdateAsync(RelayChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        await EntityUpdates.SaveAsync(db, channel, channel.Id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        var deleted = await db.Channels.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        if (deleted > 0 && db.Channels.Local.FirstOrDefault(c => c.Id == id) is { } tracked)
        {
            db.Entry(tracked).State = EntityState.Detached;
        }

        return deleted > 0;
    }
}
