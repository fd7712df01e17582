using System.ComponentModel;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Infrastructure for the dashboard's Razor components; not meant to be used directly.</summary>
/// <remarks>One bar segment of the home page chart: a model's quota, requests and tokens on one day. Its members are internal.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ChartRow
{
    internal ChartRow(string day, string model, long quota, long requests, long tokens)
    {
        Day = day;
        Model = model;
        Quota = quota;
        Requests = requests;
        Tokens = tokens;
    }

    internal string Day { get; }

    internal string Model { get; }

    internal long Quota { get; }

    internal long Requests { get; }

    /// <summary>Gets the prompt plus completion tokens.</summary>
    internal long Tokens { get; }
}
