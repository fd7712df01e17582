using System.ComponentModel;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Infrastructure for the dashboard's Razor components; not meant to be used directly.</summary>
/// <remarks>A channel group with its channel counts. Its members are internal.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GroupSummary
{
    internal GroupSummary(string name, int total, int enabled)
    {
        Name = name;
        Total = total;
        Enabled = enabled;
    }

    internal string Name { get; }

    internal int Total { get; }

    internal int Enabled { get; }

    internal int Disabled => Total - Enabled;
}
