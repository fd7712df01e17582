using System.ComponentModel;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Infrastructure for the dashboard's Razor components; not meant to be used directly.</summary>
/// <remarks>One bar of the home page's top-keys chart: a key's consumption over the chart's days. Its members are internal.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TokenTotal
{
    internal TokenTotal(string name, long quota, long requests, long tokens)
    {
        Name = name;
        Quota = quota;
        Requests = requests;
        Tokens = tokens;
    }

    internal string Name { get; }

    internal long Quota { get; }

    internal long Requests { get; }

    internal long Tokens { get; }
}
