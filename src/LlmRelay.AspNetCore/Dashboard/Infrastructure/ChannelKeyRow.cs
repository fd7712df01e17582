using System.ComponentModel;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Infrastructure for the dashboard's Razor components; not meant to be used directly.</summary>
/// <remarks>One upstream key of a channel, masked, with its status as the channel page shows it (issue #15). Its members are internal.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ChannelKeyRow
{
    internal ChannelKeyRow(int index, int status, string key, string? reason, long disabledTime)
    {
        Index = index;
        Status = status;
        Key = key;
        Reason = reason;
        DisabledTime = disabledTime;
    }

    /// <summary>Gets the key's position, as the key actions take it.</summary>
    internal int Index { get; }

    /// <summary>Gets 1 (enabled), 2 (disabled by an administrator) or 3 (disabled by the relay).</summary>
    internal int Status { get; }

    /// <summary>Gets the masked key.</summary>
    internal string Key { get; }

    internal string? Reason { get; }

    /// <summary>Gets when the relay disabled the key (Unix seconds; 0 when it did not).</summary>
    internal long DisabledTime { get; }
}
