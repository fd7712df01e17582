using System.Collections.Concurrent;

namespace LlmRelay.Selection;

/// <summary>The <see cref="ChannelLoad"/> of every channel by id, kept across catalog rebuilds.</summary>
/// <remarks>Thread-safe. A channel that is deleted keeps its few bytes until the process ends.</remarks>
internal sealed class ChannelLoadTracker
{
    private readonly ConcurrentDictionary<long, ChannelLoad> _loads = new();

    /// <summary>Returns the load of channel <paramref name="channelId"/>, created on first use.</summary>
    public ChannelLoad For(long channelId) => _loads.GetOrAdd(channelId, static _ => new ChannelLoad());
}
