using LlmRelay.AspNetCore.Dashboard.Components;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.AspNetCore.Management.Tokens;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The playground (issue #15): the browser chats through the gateway's own <c>/v1/chat/completions</c> with one of the user's keys, then shows that call's usage-log row.</summary>
/// <remarks>
/// <code>
/// GET /playground ─► page: models the user can call, the user's enabled keys (names and masked hints; keys are stored hashed,
///                    so the user pastes the key), a message box
/// browser ─► POST {gateway}/v1/chat/completions (Bearer key, stream) ─► SSE read into the answer; X-Request-Id noted
/// browser ─► GET /playground/usage?request_id=...&amp;token_id=... (session) ─► the row's tokens and quota (404 until it is written)
/// </code>
/// </remarks>
internal static partial class DashboardEndpoints
{
    private const int PlaygroundKeyLimit = 100;
    private const int MaxRequestIdLength = 200;

    private static void MapPlayground(Routes pages)
    {
        pages.Get("/playground", async r =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            r.State.Active = "playground";
            var ct = r.Context.RequestAborted;
            var models = (await UsableOffersAsync(r).ConfigureAwait(false)).Select(static p => p.Offer.ModelName).Distinct(StringComparer.Ordinal).ToList();
            var tokens = await r.Service<TokenService>().ListAsync(r.Actor, null, null, 1, PlaygroundKeyLimit, ct).ConfigureAwait(false);
            IReadOnlyList<ApiToken> keys = tokens.Error is null ? [.. tokens.Value.Items.Where(static t => t.Status == TokenStatus.Enabled)] : [];
            return await DashboardRenderer.RenderAsync<PlaygroundPage>(r.Context, r.Parameters(("Models", models), ("Keys", keys))).ConfigureAwait(false);
        });

        pages.Get("/playground/usage", async r =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is not null)
            {
                return Results.Content(r.State.T("playground_signed_out"), "text/plain; charset=utf-8", null, StatusCodes.Status401Unauthorized);
            }

            var requestId = r.Context.Request.Query["request_id"].ToString();
            if (requestId.Length is 0 or > MaxRequestIdLength || LongOrNull(r.Context.Request.Query["token_id"]) is not { } tokenId)
            {
                return Results.Content(r.State.T("playground_bad_lookup"), "text/plain; charset=utf-8", null, StatusCodes.Status400BadRequest);
            }

            // The row is written in the background after the stream ends; the page asks again until it is there.
            var since = r.Service<TimeProvider>().GetUtcNow().AddHours(-1);
            var page = await r.Service<IUsageLogStore>().QueryAsync(
                new UsageLogQuery { UserId = r.Actor.Id, TokenId = tokenId, Start = since, PageSize = 100 },
                r.Context.RequestAborted).ConfigureAwait(false);
            var row = page.Items.FirstOrDefault(l => string.Equals(l.RequestId, requestId, StringComparison.Ordinal));
            if (row is null)
            {
                return Results.Content(r.State.T("playground_usage_pending"), "text/plain; charset=utf-8", null, StatusCodes.Status404NotFound);
            }

            var display = await QuotaDisplay.ReadAsync(r.Service<SystemSettings>(), r.Context.RequestAborted).ConfigureAwait(false);
            return await DashboardRenderer.RenderPartAsync<PlaygroundUsage>(r.Context, r.Parameters(("Row", row), ("Cost", display.InCurrency ? display.Price(row.Quota) : null))).ConfigureAwait(false);
        });
    }
}
