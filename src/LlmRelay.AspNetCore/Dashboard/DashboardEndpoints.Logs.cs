using System.Globalization;
using System.Text.Json;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Usage logs: admins read <c>GET /api/log/</c> (everyone's rows), users <c>GET /api/log/self</c>.</summary>
internal static partial class DashboardEndpoints
{
    private const int LogPageSize = 20;

    private static readonly string[] LogFilters = ["type", "model_name", "token_name", "group", "username", "channel", "start", "end"];

    private static void MapLogs(Routes pages)
    {
        pages.Get("/logs", async r =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            r.State.Active = "logs";
            var me = r.State.User!;
            var page = PageOf(r.Context);
            var query = LogFilters.ToDictionary(static f => f, f => r.Context.Request.Query[f].ToString().Trim(), StringComparer.Ordinal);
            var api = new List<string> { "p=" + page, "page_size=" + LogPageSize };
            foreach (var (name, value) in query)
            {
                if (value.Length == 0 || (!me.IsAdmin && name is "username" or "channel"))
                {
                    continue;
                }

                var (apiName, apiValue) = name switch
                {
                    "start" => ("start_timestamp", Unix(value)),
                    "end" => ("end_timestamp", Unix(value)),
                    _ => (name, value),
                };
                api.Add(apiName + "=" + Uri.EscapeDataString(apiValue));
            }

            var result = await r.Api.GetAsync((me.IsAdmin ? "/api/log/?" : "/api/log/self?") + string.Join('&', api)).ConfigureAwait(false);
            if (result.Status == StatusCodes.Status404NotFound && result.Message.StartsWith("The management API has no route", StringComparison.Ordinal))
            {
                // The log routes (issue #5) are not mapped in this build: read the store with the same rules.
                result = await ReadLogStoreAsync(r.Context, me, query, page).ConfigureAwait(false);
            }

            if (!result.Success)
            {
                r.State.Fail("logs", result);
            }

            return await DashboardRenderer.RenderAsync<LogsPage>(r.Context, r.Parameters(
                ("Logs", result.Items), ("Query", query), ("Page", page), ("PageSize", LogPageSize), ("Total", result.Total)), result.Success ? StatusCodes.Status200OK : result.Status).ConfigureAwait(false);
        });
    }

    private static string Unix(string local) =>
        DateTime.TryParse(local, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var time)
            ? new DateTimeOffset(time).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)
            : local;

    private static async Task<ApiResponse> ReadLogStoreAsync(HttpContext context, Me me, Dictionary<string, string> query, int page)
    {
        static string? Text(Dictionary<string, string> q, string name) => q[name].Length > 0 ? q[name] : null;
        var type = int.TryParse(query["type"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0 ? (UsageLogType?)t : null;
        var start = LongOrNull(Unix(query["start"]));
        var end = LongOrNull(Unix(query["end"]));
        var store = context.RequestServices.GetRequiredService<IUsageLogStore>();
        var rows = await store.QueryAsync(new UsageLogQuery
        {
            Page = page,
            PageSize = LogPageSize,
            Type = type,
            UserId = me.IsAdmin ? null : me.Id,
            TokenName = Text(query, "token_name"),
            ModelName = Text(query, "model_name"),
            Group = Text(query, "group"),
            ChannelId = me.IsAdmin ? LongOrNull(query["channel"]) : null,
            Start = start is null ? null : DateTimeOffset.FromUnixTimeSeconds(start.Value),
            End = end is null ? null : DateTimeOffset.FromUnixTimeSeconds(end.Value + 1),
        }, context.RequestAborted).ConfigureAwait(false);
        var items = rows.Items.Select(log => new Dictionary<string, object?>
        {
            ["id"] = log.Id,
            ["user_id"] = log.UserId,
            ["created_at"] = log.CreatedAt.ToUnixTimeSeconds(),
            ["token_name"] = log.TokenName,
            ["model_name"] = log.ModelName,
            ["quota"] = log.Quota,
            ["prompt_tokens"] = log.PromptTokens,
            ["completion_tokens"] = log.CompletionTokens,
            ["use_time"] = log.UseTimeMs,
            ["is_stream"] = log.IsStream,
            ["channel_name"] = me.IsAdmin ? log.ChannelName : null,
        }).ToList();
        var data = JsonSerializer.SerializeToElement(new Dictionary<string, object?> { ["items"] = items, ["total"] = rows.Total });
        return new ApiResponse(StatusCodes.Status200OK, true, "", data);
    }
}
