using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Logs;
using LlmRelay.AspNetCore.Management.Site;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The system settings (root), one form per area (a hidden <c>section</c> field names it) (<see cref="SettingsSection"/>), saved through <see cref="OptionService"/>; and deleting old usage logs through <see cref="LogService"/>.</summary>
/// <remarks>
/// A form is checked whole, field by field (by each option's <see cref="OptionDefinition"/>, the one set of rules), and saved only when every
/// field passes: one bad field shows its message next to it and stores nothing (issue #15).
/// </remarks>
internal static partial class DashboardEndpoints
{
    private static void MapSettings(Routes pages)
    {
        pages.Get("/settings", r => RenderSettingsAsync(r, StatusCodes.Status200OK));
        pages.Post("/settings/logs/delete", async (r, form) =>
        {
            if (await r.RequireUserAsync(RootRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            const string Field = "before";
            var text = form[Field].ToString().Trim();
            var before = text.Length == 0 ? null : DisplayFormat.FromLocalInput(text, r.State.TimeZone);
            if (before is null)
            {
                r.State.FormName = "settings-" + SettingsSection.Logs;
                r.State.FieldErrors[Field] = text.Length == 0 ? "Choose a date and time." : "Enter a date and time (yyyy-MM-ddTHH:mm).";
                return await RenderSettingsAsync(r, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            }

            var result = await r.Service<LogService>().DeleteBeforeAsync(r.Actor, before.Value, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                r.State.Fail("settings-" + SettingsSection.Logs, error);
                return await RenderSettingsAsync(r, error.StatusCode).ConfigureAwait(false);
            }

            return r.Redirect("/settings", "logs_deleted", result.Value);
        });
        pages.Post("/settings", async (r, form) =>
        {
            if (await r.RequireUserAsync(RootRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var options = r.Service<OptionService>();
            var ct = r.Context.RequestAborted;
            var listed = await options.ListAsync(r.Actor, ct).ConfigureAwait(false);
            if (listed.Error is { } refusal)
            {
                r.State.Fail("settings", refusal);
                return await RenderSettingsAsync(r, refusal.StatusCode).ConfigureAwait(false);
            }

            var name = form["section"].ToString();
            var section = name == "other" ? SettingsSection.Other(listed.Value.Select(static o => o.Key)) : SettingsSection.Find(name);
            if (section is null || section.Fields.Count == 0)
            {
                return Results.NotFound();
            }

            var formName = "settings-" + section.Name;
            var current = listed.Value.ToDictionary(static o => o.Key, static o => o.Value, StringComparer.Ordinal);
            var changed = new List<KeyValuePair<string, string>>();
            foreach (var field in section.Fields)
            {
                if (!form.TryGetValue(field.Key, out var posted))
                {
                    r.State.FieldErrors[field.Key] = "This field is missing from the form; reload the page.";
                    continue;
                }

                var value = field.Normalize(posted.ToString());
                if (!current.TryGetValue(field.Key, out var stored) || stored != value)
                {
                    changed.Add(new(field.Key, value));
                }
            }

            if (r.State.FieldErrors.Count == 0)
            {
                // Each changed value is judged by its option's definition, as PUT /api/option/ judges it; all stored or none.
                var saved = await options.SetManyAsync(r.Actor, changed, ct).ConfigureAwait(false);
                if (saved.Error is { } error)
                {
                    r.State.Fail(formName, error);
                    return await RenderSettingsAsync(r, error.StatusCode).ConfigureAwait(false);
                }

                foreach (var (key, problem) in saved.Value)
                {
                    r.State.FieldErrors[key] = problem;
                }
            }

            if (r.State.FieldErrors.Count == 0)
            {
                return r.Redirect("/settings", "saved");
            }

            r.State.FormName = formName;
            r.State.Error = r.State.T("settings_not_saved");
            return await RenderSettingsAsync(r, StatusCodes.Status400BadRequest).ConfigureAwait(false);
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
