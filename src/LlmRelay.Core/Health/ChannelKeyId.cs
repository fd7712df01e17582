namespace LlmRelay.Health;

/// <summary>Identifies one upstream key of one channel: the channel id and the key's index in its key list.</summary>
/// <param name="ChannelId">The channel id.</param>
/// <param name="KeyIndex">The zero-based index of the key in the channel's key list.</param>
internal readonly record struct ChannelKeyId(long ChannelId, int KeyIndex);
