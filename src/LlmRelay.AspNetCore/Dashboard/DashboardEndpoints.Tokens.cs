using System.Globalization;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The caller's gateway tokens: list, create, enable/disable, delete.</summary>
internal static partial class DashboardEndpoints
{
    private const int TokenPageSize = 20;

    private static void MapTokens(Routes pages)
    {
        pages.Get("/tokens", r => RenderTokensAsync(r, null, StatusCodes.Status200OK));
        pages.Post("/tokens/create", async (r, form) =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            long expires = -1;
            var expiresText = form["expires"].ToString();
            if (expiresText.Length > 0)
            {
                if (!DateTime.TryParse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var local))
                {
                    r.State.FormName = "token";
                    r.State.FieldErrors["expired_time"] = "Field 'expired_time' must be a date and time.";
                    return await RenderTokensAsync(r, null, StatusCodes.Status400BadRequest).ConfigureAwait(false);
                }

                expires = new DateTimeOffset(local).ToUnixTimeSeconds();
            }

            var body = new Dictionary<string, object?>
            {
                ["name"] = form["name"].ToString(),
                ["remain_quota"] = NumberOrText(form, "remain_quota"),
                ["unlimited_quota"] = form["unlimited_quota"] == "true",
                ["expired_time"] = expires,
                ["models"] = form["models"].ToString(),
                ["allow_ips"] = form["allow_ips"].ToString(),
            };
            if (form["group"].ToString().Length > 0)
            {
                body["group"] = form["group"].ToString();
            }

            var result = await r.Api.PostAsync("/api/token/", body).ConfigureAwait(false);
            if (!result.Success)
            {
                r.State.Fail("token", result, "name", "remain_quota", "expired_time", "models", "allow_ips", "group");
                return await RenderTokensAsync(r, null, result.Status).ConfigureAwait(false);
            }

            r.State.Form = null;
            return await RenderTokensAsync(r, J.Str(result.Data, "key"), StatusCodes.Status200OK).ConfigureAwait(false);
        });
        pages.Post("/tokens/status", async (r, form) =>
        {
            var result = await r.Api.PutAsync("/api/token/?status_only=1", new { id = NumberOrText(form, "id"), status = NumberOrText(form, "status") }).ConfigureAwait(false);
            return result.Success ? r.Redirect("/tokens", "saved") : await FailTokensAsync(r, result).ConfigureAwait(false);
        });
        pages.Post("/tokens/delete", async (r, form) =>
        {
            var result = await r.Api.DeleteAsync("/api/token/" + LongOrNull(form["id"])).ConfigureAwait(false);
            return result.Success ? r.Redirect("/tokens", "deleted") : await FailTokensAsync(r, result).ConfigureAwait(false);
        });
    }

    private static async Task<IResult> FailTokensAsync(DashboardRequest r, ApiResponse result)
    {
        if (result.Status == StatusCodes.Status401Unauthorized)
        {
            return r.Redirect("/login");
        }

        r.State.Fail("token", result);
        return await RenderTokensAsync(r, null, result.Status).ConfigureAwait(false);
    }

    private static async Task<IResult> RenderTokensAsync(DashboardRequest r, string? newKey, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "tokens";
        var page = PageOf(r.Context);
        var tokens = await r.Api.GetAsync($"/api/token/?p={page}&page_size={TokenPageSize}").ConfigureAwait(false);
        var groups = await r.Api.GetAsync("/api/user/self/groups").ConfigureAwait(false);
        var groupNames = groups.Data.ValueKind == System.Text.Json.JsonValueKind.Object
            ? groups.Data.EnumerateObject().Select(static p => p.Name).ToList()
            : groups.Items.Select(static g => g.ValueKind == System.Text.Json.JsonValueKind.String ? g.GetString() ?? "" : J.Str(g, "name")).ToList();
        return await DashboardRenderer.RenderAsync<TokensPage>(r.Context, r.Parameters(
            ("Tokens", tokens.Items), ("Groups", groupNames), ("NewKey", newKey), ("Page", page), ("PageSize", TokenPageSize), ("Total", tokens.Total)), status).ConfigureAwait(false);
    }
}
