namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>One upstream key of a multi-key channel, masked; <see cref="Status"/> is 1 enabled or 2 disabled.</summary>
internal sealed record KeyStatusView(int Index, int Status, string Key);
