using LlmRelay.Channels;

namespace LlmRelay.Storage;

/// <summary>Persists <see cref="RelayChannel"/> entities.</summary>
/// <remarks>Implementations are registered as scoped services and need not be thread-safe.</remarks>
public interface IChannelStore
{
    /// <summary>Lists every channel, enabled or not, ordered by <see cref="RelayChannel.Id"/>.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The channels.</returns>
    Task<IReadOnlyList<RelayChannel>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Finds a channel by identifier.</summary>
    /// <param name="id">The channel identifier.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The channel, or <see langword="null"/> when none has that identifier.</returns>
    Task<RelayChannel?> FindAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Adds a channel and assigns its <see cref="RelayChannel.Id"/>.</summary>
    /// <param name="channel">The channel to add.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the channel is stored.</returns>
    Task AddAsync(RelayChannel channel, CancellationToken cancellationToken = default);

    /// <summary>Saves the changed fields of an existing channel.</summary>
    /// <param name="channel">The channel, as returned by this store and then modified.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the change is stored.</returns>
    Task UpdateAsync(RelayChannel channel, CancellationToken cancellationToken = default);

    /// <summary>Deletes a channel.</summary>
    /// <param name="id">The channel identifier.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when a channel was deleted.</returns>
    Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default);
}
