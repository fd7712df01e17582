using LlmRelay.Management;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The EF Core <see cref="IChannelStateStore"/>; disabled keys are protected like channel keys.</summary>
internal sealed class EfChannelStateStore(LlmRelayDbContext db, ISecretProtector? protector = null) : IChannelStateStore
{
    public async Task<IReadOnlyList<ChannelState>> ListAsync(CancellationToken cancellationToken = default)
    {
        var states = await db.ChannelStates.AsNoTracking().OrderBy(static s => s.ChannelId).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var state in states)
        {
            state.DisabledKeys = ChannelSecrets.Unprotect(protector, state.DisabledKeys);
        }

        return states;
    }

    public async Task<ChannelState?> FindAsync(long channelId, CancellationToken cancellationToken = default)
    {
        var state = await db.ChannelStates.AsNoTracking().FirstOrDefaultAsync(s => s.ChannelId == channelId, cancellationToken).ConfigureAwait(false);
        if (state is not null)
        {
            state.DisabledKeys = ChannelSecrets.Unprotect(protector, state.DisabledKeys);
        }

        return state;
    }

    public async Task SaveAsync(ChannelState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var current = await db.ChannelStates.FirstOrDefaultAsync(s => s.ChannelId == state.ChannelId, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            current = new ChannelState { ChannelId = state.ChannelId };
            db.ChannelStates.Add(current);
        }

        // The relay's own key records are written by SaveAutoDisabledKeysAsync only, so that a state read earlier
        // (a tag edit, a test result) never writes back records that changed meanwhile.
        var autoDisabled = current.AutoDisabledKeys;
        db.Entry(current).CurrentValues.SetValues(state);
        current.DisabledKeys = ChannelSecrets.Protect(protector, state.DisabledKeys);
        current.AutoDisabledKeys = autoDisabled;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        db.Entry(current).State = EntityState.Detached;
    }

    public async Task SaveAutoDisabledKeysAsync(long channelId, IReadOnlyList<DisabledChannelKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var current = await db.ChannelStates.FirstOrDefaultAsync(s => s.ChannelId == channelId, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            current = new ChannelState { ChannelId = channelId };
            db.ChannelStates.Add(current);
        }

        current.AutoDisabledKeys = [.. keys];
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        db.Entry(current).State = EntityState.Detached;
    }

    public Task DeleteAsync(long channelId, CancellationToken cancellationToken = default) =>
        db.ChannelStates.Where(s => s.ChannelId == channelId).ExecuteDeleteAsync(cancellationToken);
}
