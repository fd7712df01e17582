using System.Globalization;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Internal;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Maps the dashboard pages (GET renders, POST changes through the application services the management API calls, then redirects or re-renders with their refusals).</summary>
internal static partial class DashboardEndpoints
{
    /// <summary>Maps the dashboard and the status page into <paramref name="group"/> when <c>AddDashboard()</c> was called and the dashboard is enabled.</summary>
    public static void Map(IEndpointRouteBuilder group)
    {
        var services = group.ServiceProvider;
        if (services.GetService<DashboardMarker>() is null)
        {
            return;
        }

        var options = services.GetRequiredService<IOptions<DashboardOptions>>().Value;
        if (!options.Enabled)
        {
            return;
        }

        var mount = DashboardRequest.Normalize(options.PathBase);
        var dash = group.MapGroup(mount);
        var pages = new Routes(dash, options);

        MapAccount(pages);
        MapHome(pages);
        MapModels(pages);
        MapPlayground(pages);
        MapTokens(pages);
        MapChannels(pages);
        MapGroups(pages);
        MapUsers(pages);
        MapRedemptions(pages);
        MapLogs(pages);
        MapTasks(pages);
        MapDocsAndSettings(pages);

        if (!string.IsNullOrEmpty(options.StatusPath))
        {
            Status.StatusEndpoints.Map(group, DashboardRequest.Normalize(options.StatusPath), options);
        }
    }

    private static long? LongOrNull(string? text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>The models channels serve in <paramref name="group"/> (as <c>GET /api/user/models</c> lists them), for pages and snippets that name models.</summary>
    private static List<string> ServedModels(DashboardRequest r, string group) =>
        [.. r.Service<ChannelCatalogProvider>().Current.ModelsOf(group).Where(static m => m.Length > 0)];

    private static int PageOf(HttpContext context) =>
        int.TryParse(context.Request.Query["p"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;

    private static async Task<IReadOnlyList<UsageLog>> RecentLogsAsync(HttpContext context, long userId, int count)
    {
        var store = context.RequestServices.GetRequiredService<IUsageLogStore>();
        var page = await store.QueryAsync(new UsageLogQuery { UserId = userId, Type = UsageLogType.Consume, PageSize = count }, context.RequestAborted).ConfigureAwait(false);
        return page.Items;
    }

    /// <summary>Maps a dashboard page's GET and POST routes with a <see cref="DashboardRequest"/> for each call.</summary>
    private sealed class Routes(IEndpointRouteBuilder dash, DashboardOptions options)
    {
        public void Get(string path, Func<DashboardRequest, Task<IResult>> handler) =>
            dash.MapGet(path, (Func<HttpContext, Task<IResult>>)(context => handler(DashboardRequest.Create(context, path, options)))).ExcludeFromDescription();

        public void Post(string path, Func<DashboardRequest, IFormCollection, Task<IResult>> handler) =>
            dash.MapPost(path, (Func<HttpContext, Task<IResult>>)(async context =>
            {
                var request = DashboardRequest.Create(context, path, options);
                IFormCollection? form;
                try
                {
                    form = await request.ReadFormAsync().ConfigureAwait(false);
                }
                catch (BadHttpRequestException e) when (RequestBodyLimit.IsTooLarge(e))
                {
                    return DashboardRequest.TooLarge();
                }

                return form is null ? request.BadForm() : await handler(request, form).ConfigureAwait(false);
            })).ExcludeFromDescription().DisableAntiforgery();
    }
}
