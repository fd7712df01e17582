using System.ComponentModel;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Infrastructure for the dashboard's Razor components; not meant to be used directly.</summary>
/// <remarks>One bar segment of the home page chart: a model's quota and requests on one day. Its members are internal.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ChartRow
{
    internal ChartRow(string day, string model, long quota, long requests)
    {
        Day = day;
        Model = model;
        Quota = quota;
        Requests = requests;
    }

    internal string Day { get; }

    internal string Model { get; }

    internal long Quota { get; }

    internal long Requests { get; }
}
