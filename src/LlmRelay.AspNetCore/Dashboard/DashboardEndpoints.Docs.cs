using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.Selection;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The API docs page and the system settings (root): every option <see cref="OptionService"/> lists, saved through it as the signed-in root.</summary>
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
            // As GET /api/user/models: the models the signed-in user's group reaches.
            var names = r.Service<ChannelCatalogProvider>().Current.ModelsOf(r.Actor.Group).Where(static m => m.Length > 0).ToList();
            return await DashboardRenderer.RenderAsync<DocsPage>(r.Context, r.Parameters(("Models", names))).ConfigureAwait(false);
        });

        pages.Get("/settings", r => RenderSettingsAsync(r, StatusCodes.Status200OK));
        pages.Post("/settings", async (r, form) =>
        {
            if (await r.RequireUserAsync(RootRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var error = await r.Service<OptionService>().SetAsync(r.Actor, form["key"].ToString(), form["value"].ToString(), null, r.Context.RequestAborted).ConfigureAwait(false);
            if (error is null)
            {
                return r.Redirect("/settings", "saved");
            }

            r.State.FormName = "settings";
            r.State.FieldErrors["value"] = error.Message;
            return await RenderSettingsAsync(r, error.StatusCode).ConfigureAwait(false);
        });
    }

    private static async Task<IResult> RenderSettingsAsync(DashboardRequest r, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync(RootRole).ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "settings";
        var options = await r.Service<OptionService>().ListAsync(r.Actor, r.Context.RequestAborted).ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<SettingsPage>(r.Context, r.Parameters(("Options", options.Error is null ? options.Value : [])), status).ConfigureAwait(false);
    }
}
