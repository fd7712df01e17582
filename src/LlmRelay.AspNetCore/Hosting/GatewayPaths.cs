using LlmRelay.AspNetCore.Dashboard;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Hosting;

/// <summary>Where <c>MapLlmRelay()</c> put the dashboard and the status page, relative to its route group; <see langword="null"/> for what it did not map.</summary>
internal sealed record GatewayPaths(string? Dashboard, string? Status)
{
    /// <summary>Reads the paths the same way <c>DashboardEndpoints.Map</c> decides them: mapped only after <c>AddDashboard()</c> with the dashboard enabled.</summary>
    public static GatewayPaths Of(IServiceProvider services)
    {
        if (services.GetService<DashboardMarker>() is null || services.GetService<IOptions<DashboardOptions>>()?.Value is not { Enabled: true } options)
        {
            return new(null, null);
        }

        var status = DashboardRequest.Normalize(options.StatusPath);
        return new(DashboardRequest.Normalize(options.PathBase), string.IsNullOrEmpty(options.StatusPath) ? null : status);
    }
}
