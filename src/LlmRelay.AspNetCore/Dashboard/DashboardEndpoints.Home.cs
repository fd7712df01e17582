using System.Globalization;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Logs;
using LlmRelay.AspNetCore.Management.Redemption;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.AspNetCore.Management.Tokens;
using LlmRelay.Storage;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The user home page (numbers, chart, usage guide, recent logs) and redeeming a code.</summary>
internal static partial class DashboardEndpoints
{
    private const int TopTokenCandidates = 20;
    private const int TopTokenCount = 5;

    private static void MapHome(Routes pages)
    {
        pages.Get("/", r => RenderHomeAsync(r, StatusCodes.Status200OK));
        pages.Post("/redeem", async (r, form) =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var result = await r.Service<RedemptionService>().RedeemAsync(r.Actor, form["key"].ToString(), null, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                r.State.Fail("redeem", error, "key");
                return await RenderHomeAsync(r, error.StatusCode).ConfigureAwait(false);
            }

            return r.Redirect("/", "redeemed", result.Value);
        });
    }

    private static async Task<IResult> RenderHomeAsync(DashboardRequest r, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "home";
        var ct = r.Context.RequestAborted;
        var tokens = (await r.Service<TokenService>().ListAsync(r.Actor, null, null, 1, TopTokenCandidates, ct).ConfigureAwait(false)).Value;
        var since = DateTimeOffset.FromUnixTimeSeconds(r.Service<TimeProvider>().GetUtcNow().AddDays(-6).ToUnixTimeSeconds() / 86400 * 86400);
        var logs = r.Service<LogService>();
        var hourly = await logs.HourlyAsync(r.Actor, self: true, new UsageLogFilter { Start = since }, ct).ConfigureAwait(false);
        // Days in the viewer's zone (the llmrelay_tz cookie), as the page's times (issue #15), not the server's.
        var zone = r.State.TimeZone;
        var chart = hourly.Value
            .GroupBy(row => (Day: TimeZoneInfo.ConvertTime(row.HourStart, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Model: row.ModelName))
            .Select(static g => new ChartRow(g.Key.Day, g.Key.Model, g.Sum(static x => x.Quota), g.Sum(static x => x.Count), g.Sum(static x => x.PromptTokens + x.CompletionTokens)))
            .ToList();

        // Top keys: each key's total is the hourly aggregate filtered by that key (one query each), for the first keys the list returns.
        var top = new List<TokenTotal>();
        foreach (var token in tokens.Items)
        {
            var rows = (await logs.HourlyAsync(r.Actor, self: true, new UsageLogFilter { Start = since, TokenId = token.Id }, ct).ConfigureAwait(false)).Value;
            if (rows.Count > 0)
            {
                top.Add(new TokenTotal(token.Name, rows.Sum(static x => x.Quota), rows.Sum(static x => x.Count), rows.Sum(static x => x.PromptTokens + x.CompletionTokens)));
            }
        }

        top = [.. top.OrderByDescending(static t => t.Quota).ThenByDescending(static t => t.Requests).Take(TopTokenCount)];
        var recent = await RecentLogsAsync(r.Context, r.Actor.Id, 10).ConfigureAwait(false);
        var key = tokens.Items.Count > 0 ? tokens.Items[0].KeyHint : null;
        var models = ServedModels(r, r.Actor.Group);
        var display = await QuotaDisplay.ReadAsync(r.Service<SystemSettings>(), ct).ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<HomePage>(r.Context, r.Parameters(
            ("TokenCount", tokens.Total), ("Key", key), ("Logs", recent), ("Chart", chart), ("TopTokens", top), ("Models", models), ("FormatQuota", (Func<long, string>)display.Format)), status).ConfigureAwait(false);
    }
}
