using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The API docs page; the settings pages are mapped with it (<c>DashboardEndpoints.Settings.cs</c>).</summary>
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
            var names = ServedModels(r, r.Actor.Group);
            return await DashboardRenderer.RenderAsync<DocsPage>(r.Context, r.Parameters(("Models", names))).ConfigureAwait(false);
        });

        MapSettings(pages);
    }
}
