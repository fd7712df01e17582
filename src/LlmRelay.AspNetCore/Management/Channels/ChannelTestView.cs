namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>The outcome of testing one channel with a real upstream call.</summary>
internal sealed record ChannelTestView(long ChannelId, bool Success, string Model, int ResponseTime, string Message);
