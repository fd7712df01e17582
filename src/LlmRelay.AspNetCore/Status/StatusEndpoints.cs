using LlmRelay.AspNetCore.Dashboard;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.Channels;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmRelay.AspNetCore.Status;

/// <summary>Maps the public status page: health (each view runs the health checks once), uptime, models, token usage of the last 30 days per model, and upstream balances channels report.</summary>
internal static class StatusEndpoints
{
    private const int UsageWindowDays = 30;
    private const int MaxUsageRows = 50_000;

    public static void Map(IEndpointRouteBuilder group, string path, DashboardOptions options)
    {
        var counters = group.ServiceProvider.GetRequiredService<StatusCounters>();
        group.MapGet(path, (Func<HttpContext, Task<IResult>>)(async context =>
        {
            // The dashboard's own routes (language switch) live under its mount; the status page links there.
            var request = DashboardRequest.Create(context, path, options);
            var dashboardRoot = request.State.GatewayUrl[(context.Request.Scheme.Length + 3 + context.Request.Host.Value!.Length)..] + DashboardRequest.Normalize(options.PathBase);
            var state = new PageState
            {
                L = request.State.L,
                Root = dashboardRoot,
                GatewayUrl = request.State.GatewayUrl,
                CurrentPath = request.State.CurrentPath,
                AntiforgeryField = request.State.AntiforgeryField,
                AntiforgeryToken = request.State.AntiforgeryToken,
            };
            var report = await BuildAsync(context, counters, request.State.GatewayUrl).ConfigureAwait(false);
            return await DashboardRenderer.RenderAsync<StatusPage>(context, new Dictionary<string, object?> { ["State"] = state, ["Report"] = report }).ConfigureAwait(false);
        })).ExcludeFromDescription();
    }

    private static async Task<StatusReport> BuildAsync(HttpContext context, StatusCounters counters, string gatewayUrl)
    {
        var services = context.RequestServices;
        var ct = context.RequestAborted;
        var health = "running";
        if (services.GetService<HealthCheckService>() is { } checks)
        {
            counters.CountHealthCheck();
            var result = await checks.CheckHealthAsync(ct).ConfigureAwait(false);
            health = result.Status switch
            {
                HealthStatus.Healthy => "running",
                HealthStatus.Degraded => "degraded",
                _ => "unhealthy",
            };
        }

        var channels = await services.GetRequiredService<IChannelStore>().ListAsync(ct).ConfigureAwait(false);
        var models = channels.Where(static c => c.Status == ChannelStatus.Enabled)
            .SelectMany(static c => c.Models.Concat(c.ModelMapping.Keys))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var since = now.AddDays(-UsageWindowDays);
        var logs = await services.GetRequiredService<IUsageLogStore>()
            .QueryAsync(new UsageLogQuery { Type = UsageLogType.Consume, Start = since, PageSize = MaxUsageRows }, ct).ConfigureAwait(false);
        var usage = logs.Items.GroupBy(static l => l.ModelName, StringComparer.Ordinal)
            .Select(static g => new StatusReport.ModelUsage(
                g.Key,
                g.LongCount(),
                g.Sum(static l => (long)l.PromptTokens),
                g.Sum(static l => (long)l.CompletionTokens),
                g.Any(static l => l.Other.IsUsageEstimated)))
            .OrderByDescending(static u => u.PromptTokens + u.CompletionTokens)
            .ToList();

        var names = channels.ToDictionary(static c => c.Id, static c => c.Name);
        var states = await services.GetRequiredService<IChannelStateStore>().ListAsync(ct).ConfigureAwait(false);
        var balances = states.Where(static s => s.BalanceUpdatedAt is not null)
            .Select(s => new StatusReport.ChannelBalance(names.GetValueOrDefault(s.ChannelId, $"#{s.ChannelId}"), null, null, s.Balance, s.BalanceUpdatedAt))
            .ToList();

        return new StatusReport
        {
            Health = health,
            Uptime = now - counters.StartedAt,
            HealthChecks = counters.HealthChecks,
            Models = models,
            Usage = usage,
            Balances = balances,
            GatewayUrl = gatewayUrl,
        };
    }
}
