using System.ComponentModel;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Infrastructure for the dashboard's Razor components; not meant to be used directly.</summary>
/// <remarks>One channel's test outcome as the channels page lists it (issue #15). Its members are internal.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ChannelTestRow
{
    internal ChannelTestRow(long id, string name, bool success, string model, int responseTime, string message)
    {
        Id = id;
        Name = name;
        Success = success;
        Model = model;
        ResponseTime = responseTime;
        Message = message;
    }

    internal long Id { get; }

    internal string Name { get; }

    internal bool Success { get; }

    internal string Model { get; }

    /// <summary>Gets the call's time in milliseconds.</summary>
    internal int ResponseTime { get; }

    internal string Message { get; }
}
