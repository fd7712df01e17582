using LlmRelay.Management;

namespace LlmRelay.Storage;

/// <summary>Stores <see cref="ChannelState"/> rows, one per channel at most.</summary>
/// <remarks>Implementations are registered as scoped services and are not thread-safe.</remarks>
public interface IChannelStateStore
{
    /// <summary>Returns every stored channel state.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The states.</returns>
    Task<IReadOnlyList<ChannelState>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Finds the state of a channel.</summary>
    /// <param name="channelId">The channel identifier.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The state, or <see langword="null"/>.</returns>
    Task<ChannelState?> FindAsync(long channelId, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the state of a channel, except its <see cref="ChannelState.AutoDisabledKeys"/>, which only <see cref="SaveAutoDisabledKeysAsync"/> writes.</summary>
    /// <param name="state">The state.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the state is stored.</returns>
    Task SaveAsync(ChannelState state, CancellationToken cancellationToken = default);

    /// <summary>Replaces the keys the relay disabled in a channel's state, creating the state if needed; nothing else changes.</summary>
    /// <param name="channelId">The channel identifier.</param>
    /// <param name="keys">The records; an empty list clears them.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the records are stored.</returns>
    Task SaveAutoDisabledKeysAsync(long channelId, IReadOnlyList<DisabledChannelKey> keys, CancellationToken cancellationToken = default);

    /// <summary>Deletes the state of a channel.</summary>
    /// <param name="channelId">The channel identifier.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the state is deleted.</returns>
    Task DeleteAsync(long channelId, CancellationToken cancellationToken = default);
}
