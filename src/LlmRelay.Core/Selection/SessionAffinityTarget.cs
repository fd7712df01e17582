namespace LlmRelay.Selection;

/// <summary>The channel and upstream key that served a session (see <see cref="ISessionAffinityStore"/>).</summary>
/// <param name="ChannelId">The id of the channel.</param>
/// <param name="KeyIndex">The index of the key in the channel's key list.</param>
public readonly record struct SessionAffinityTarget(long ChannelId, int KeyIndex);
