using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The API docs page and the system settings (root): every option <c>GET /api/option/</c> lists, saved through <c>PUT /api/option/</c>.</summary>
internal static partial class DashboardEndpoints
{
    private static void MapDocsAndSettings(Routes pages)
    {
        pages.Get("/docs", async r =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            r.State.Active = "docs";
            var models = await r.Api.GetAsync("/api/user/models").ConfigureAwait(false);
            var names = models.Items.Select(static m => m.ValueKind == System.Text.Json.JsonValueKind.String ? m.GetString() ?? "" : J.Str(m, "id")).Where(static m => m.Length > 0).ToList();
            return await DashboardRenderer.RenderAsync<DocsPage>(r.Context, r.Parameters(("Models", names))).ConfigureAwait(false);
        });

        pages.Get("/settings", r => RenderSettingsAsync(r, StatusCodes.Status200OK));
        pages.Post("/settings", async (r, form) =>
        {
            var result = await r.Api.PutAsync("/api/option/", new { key = form["key"].ToString(), value = form["value"].ToString() }).ConfigureAwait(false);
            if (result.Success)
            {
                return r.Redirect("/settings", "saved");
            }

            r.State.FormName = "settings";
            r.State.FieldErrors["value"] = result.Message;
            return await RenderSettingsAsync(r, result.Status).ConfigureAwait(false);
        });
    }

    private static async Task<IResult> RenderSettingsAsync(DashboardRequest r, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync(RootRole).ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "settings";
        var options = await r.Api.GetAsync("/api/option/").ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<SettingsPage>(r.Context, r.Parameters(("Options", options.Items)), status).ConfigureAwait(false);
    }
}
