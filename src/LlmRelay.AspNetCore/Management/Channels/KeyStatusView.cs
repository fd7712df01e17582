namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>
/// One upstream key of a multi-key channel, masked; <see cref="Status"/> is 1 enabled, 2 disabled by an administrator, or 3
/// disabled by the relay after a definitive failure (then with <see cref="Reason"/> and <see cref="DisabledTime"/>, Unix seconds).
/// </summary>
internal sealed record KeyStatusView(int Index, int Status, string Key, string? Reason = null, long? DisabledTime = null);
