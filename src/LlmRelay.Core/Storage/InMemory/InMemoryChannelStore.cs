using LlmRelay.Channels;

namespace LlmRelay.Storage.InMemory;

/// <summary>An <see cref="IChannelStore"/> over <see cref="InMemoryRelayState"/>; nothing survives a restart.</summary>
internal sealed class InMemoryChannelStore(InMemoryRelayState state) : IChannelStore
{
    public Task<IReadOnlyList<RelayChannel>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (state.Gate)
        {
            IReadOnlyList<RelayChannel> channels = [.. state.Channels.OrderBy(static c => c.Id).Select(InMemoryRelayState.Copy)];
            return Task.FromResult(channels);
        }
    }

    public Task<RelayChannel?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        lock (state.Gate)
        {
            var channel = state.Channels.Find(c => c.Id == id);
            return Task.FromResult(channel is null ? null : InMemoryRelayState.Copy(channel));
        }
    }

    public Task AddAsync(RelayChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        lock (state.Gate)
        {
            channel.Id = state.NextChannelId++;
            state.Channels.Add(InMemoryRelayState.Copy(channel));
        }

        return Task.CompletedTask;
    }

    public Task UpdateAsync(RelayChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        lock (state.Gate)
        {
            var index = state.Channels.FindIndex(c => c.Id == channel.Id);
            if (index < 0)
            {
                throw new InvalidOperationException($"No {nameof(RelayChannel)} with id {channel.Id} exists.");
            }

            state.Channels[index] = InMemoryRelayState.Copy(channel);
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        lock (state.Gate)
        {
            return Task.FromResult(state.Channels.RemoveAll(c => c.Id == id) > 0);
        }
    }
}
