using LlmRelay.AspNetCore.Dashboard;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds LlmRelay's web dashboard and public status page.</summary>
public static class LlmRelayDashboardBuilderExtensions
{
    /// <summary>Registers the dashboard (server-rendered Razor components) and the status page; <c>MapLlmRelay()</c> maps them.</summary>
    /// <remarks>
    /// Also calls <c>AddManagementApi()</c>, because every dashboard page works through the application services the management API registers.
    /// The host needs no other call: pages are rendered on the server without a SignalR circuit or JavaScript
    /// framework, and forms carry their own antiforgery token, so <c>AddRazorComponents()</c> and
    /// <c>UseAntiforgery()</c> are not required. Set <see cref="DashboardOptions.Enabled"/> to
    /// <see langword="false"/> to leave the pages out, or <see cref="DashboardOptions.PathBase"/> to move them.
    /// Calling this method more than once only applies the further <paramref name="configure"/> actions.
    /// </remarks>
    /// <param name="builder">The LlmRelay builder.</param>
    /// <param name="configure">Changes the <see cref="DashboardOptions"/>; optional.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddDashboard(this ILlmRelayBuilder builder, Action<DashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddManagementApi();
        var services = builder.Services;
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(static d => d.ServiceType == typeof(DashboardMarker)))
        {
            return builder;
        }

        services.AddSingleton<DashboardMarker>();
        services.AddOptions<DashboardOptions>();
        services.AddAntiforgery();
        services.TryAddSingleton<StatusCounters>();
        return builder;
    }
}
