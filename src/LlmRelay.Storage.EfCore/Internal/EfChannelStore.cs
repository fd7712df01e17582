using LlmRelay.Channels;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The EF Core <see cref="IChannelStore"/>.</summary>
/// <remarks>
/// Upstream keys are written through the registered <see cref="ISecretProtector"/>, if any, and read back
/// decrypted. Callers therefore never hold a tracked entity: reads are untracked copies and writes copy
/// the caller's values onto a tracked row whose keys are protected.
/// </remarks>
internal sealed class EfChannelStore(LlmRelayDbContext db, ISecretProtector? protector = null) : IChannelStore
{
    public async Task<IReadOnlyList<RelayChannel>> ListAsync(CancellationToken cancellationToken = default)
    {
        var channels = await db.Channels.AsNoTracking().OrderBy(static c => c.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var channel in channels)
        {
            channel.Keys = ChannelSecrets.Unprotect(protector, channel.Keys, out var unreadable);
            channel.UnreadableKeyCount = unreadable;
        }

        return channels;
    }

    public async Task<RelayChannel?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken).ConfigureAwait(false);
        if (channel is not null)
        {
            channel.Keys = ChannelSecrets.Unprotect(protector, channel.Keys, out var unreadable);
            channel.UnreadableKeyCount = unreadable;
        }

        return channel;
    }

    public async Task AddAsync(RelayChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var row = new RelayChannel();
        db.Entry(row).CurrentValues.SetValues(channel);
        row.Keys = ChannelSecrets.Protect(protector, channel.Keys);
        row.Models = [.. channel.Models];
        row.ModelMapping = new(channel.ModelMapping, StringComparer.Ordinal);
        row.ModelCapabilities = new(channel.ModelCapabilities, StringComparer.OrdinalIgnoreCase);
        db.Channels.Add(row);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        channel.Id = row.Id;
        db.Entry(row).State = EntityState.Detached;
    }

    public async Task UpdateAsync(RelayChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var row = await db.Channels.FirstOrDefaultAsync(c => c.Id == channel.Id, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No {nameof(RelayChannel)} with id {channel.Id} exists.");
        db.Entry(row).CurrentValues.SetValues(channel);
        row.Keys = ChannelSecrets.Protect(protector, channel.Keys);
        row.Models = [.. channel.Models];
        row.ModelMapping = new(channel.ModelMapping, StringComparer.Ordinal);
        row.ModelCapabilities = new(channel.ModelCapabilities, StringComparer.OrdinalIgnoreCase);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        db.Entry(row).State = EntityState.Detached;
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        var deleted = await db.Channels.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        return deleted > 0;
    }
}
