using System.Globalization;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The user home page (numbers, chart, usage guide, recent logs) and redeeming a code.</summary>
internal static partial class DashboardEndpoints
{
    private static void MapHome(Routes pages)
    {
        pages.Get("/", r => RenderHomeAsync(r, StatusCodes.Status200OK));
        pages.Post("/redeem", async (r, form) =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var result = await r.Api.PostAsync("/api/user/topup", new { key = form["key"].ToString().Trim() }).ConfigureAwait(false);
            if (!result.Success)
            {
                r.State.Fail("redeem", result, "key");
                return await RenderHomeAsync(r, result.Status).ConfigureAwait(false);
            }

            return r.Redirect("/", "redeemed", result.Data.ValueKind == System.Text.Json.JsonValueKind.Number ? result.Data.GetRawText() : "");
        });
    }

    private static async Task<IResult> RenderHomeAsync(DashboardRequest r, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "home";
        var tokens = await r.Api.GetAsync("/api/token/?p=1&page_size=1").ConfigureAwait(false);
        var since = DateTimeOffset.UtcNow.AddDays(-6).ToUnixTimeSeconds() / 86400 * 86400;
        var data = await r.Api.GetAsync("/api/data/self?start_timestamp=" + since.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        var chart = data.Items
            .GroupBy(static row => (Day: DateTimeOffset.FromUnixTimeSeconds(J.Long(row, "created_at")).ToLocalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Model: J.Str(row, "model_name")))
            .Select(static g => new ChartRow(g.Key.Day, g.Key.Model, g.Sum(static x => J.Long(x, "quota")), g.Sum(static x => J.Long(x, "count"))))
            .ToList();
        var logs = await RecentLogsAsync(r.Context, r.State.User!.Id, 10).ConfigureAwait(false);
        var key = tokens.Items.Count > 0 ? J.Str(tokens.Items[0], "key") : null;
        return await DashboardRenderer.RenderAsync<HomePage>(r.Context, r.Parameters(("TokenCount", tokens.Total), ("Key", key), ("Logs", logs), ("Chart", chart)), status).ConfigureAwait(false);
    }
}
