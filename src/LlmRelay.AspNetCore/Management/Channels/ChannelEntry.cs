using LlmRelay.Channels;
using LlmRelay.Management;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>A stored channel with its runtime state (tag, last test, balance, disabled keys), as <see cref="ChannelService"/> returns it.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="State">Its state, or <see langword="null"/> when none was recorded.</param>
internal sealed record ChannelEntry(RelayChannel Channel, ChannelState? State);
