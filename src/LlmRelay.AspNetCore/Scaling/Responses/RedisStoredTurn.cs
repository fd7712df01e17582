namespace LlmRelay.AspNetCore.Scaling.Responses;

/// <summary>One turn of a conversation as kept in Redis: a <see cref="LlmRelay.Responses.ResponseTurn"/> without its link.</summary>
/// <remarks>
/// An entry keeps its whole conversation as an array of these, oldest first, as a turn in memory holds the turns before it, so
/// a chain stays complete when the entries of its earlier turns have expired or were evicted (issue #18).
/// </remarks>
internal sealed class RedisStoredTurn
{
    /// <summary>Gets the turn's input and output items, comma-separated, without brackets.</summary>
    public byte[] Items { get; init; } = [];

    /// <summary>Gets the channel that answered the turn, or 0.</summary>
    public long ChannelId { get; init; }

    /// <summary>Gets whether that channel keeps the response itself.</summary>
    public bool StoredUpstream { get; init; }
}
