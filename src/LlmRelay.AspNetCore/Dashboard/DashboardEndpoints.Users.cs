using System.Text.Json;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Users and redemption codes (admin).</summary>
internal static partial class DashboardEndpoints
{
    private static void MapUsers(Routes pages)
    {
        pages.Get("/users", r => RenderUsersAsync(r, StatusCodes.Status200OK));
        pages.Post("/users/create", async (r, form) =>
        {
            var body = new Dictionary<string, object?>
            {
                ["username"] = form["username"].ToString(),
                ["password"] = form["password"].ToString(),
                ["display_name"] = form["display_name"].ToString(),
                ["quota"] = NumberOrText(form, "quota"),
            };
            if (form["group"].ToString().Length > 0)
            {
                body["group"] = form["group"].ToString();
            }

            var result = await r.Api.PostAsync("/api/user/", body).ConfigureAwait(false);
            if (result.Success)
            {
                return r.Redirect("/users", "saved");
            }

            r.State.Fail("user-add", result, "username", "password", "display_name", "group", "quota");
            return await RenderUsersAsync(r, result.Status).ConfigureAwait(false);
        });
        pages.Post("/users/update", async (r, form) =>
        {
            var body = new Dictionary<string, object?> { ["id"] = NumberOrText(form, "id") };
            foreach (var field in (string[])["display_name", "group", "password"])
            {
                if (form.ContainsKey(field))
                {
                    body[field] = form[field].ToString();
                }
            }

            if (form.ContainsKey("quota"))
            {
                body["quota"] = NumberOrText(form, "quota");
            }

            return await UserResultAsync(r, await r.Api.PutAsync("/api/user/", body).ConfigureAwait(false)).ConfigureAwait(false);
        });
        pages.Post("/users/manage", async (r, form) =>
            await UserResultAsync(r, await r.Api.PostAsync("/api/user/manage", new { id = NumberOrText(form, "id"), action = form["action"].ToString() }).ConfigureAwait(false)).ConfigureAwait(false));
    }

    private static async Task<IResult> UserResultAsync(DashboardRequest r, ApiResponse result)
    {
        if (result.Success)
        {
            return r.Redirect("/users", "saved");
        }

        r.State.Fail("user", result);
        r.State.Form = null;
        return await RenderUsersAsync(r, result.Status).ConfigureAwait(false);
    }

    private static async Task<IResult> RenderUsersAsync(DashboardRequest r, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "users";
        var page = PageOf(r.Context);
        var users = await r.Api.GetAsync($"/api/user/?p={page}&page_size=20").ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<UsersPage>(r.Context, r.Parameters(
            ("Users", users.Items), ("Page", page), ("PageSize", 20), ("Total", users.Total)), status).ConfigureAwait(false);
    }

    private static void MapRedemptions(Routes pages)
    {
        pages.Get("/redemptions", r => RenderRedemptionsAsync(r, [], StatusCodes.Status200OK));
        pages.Post("/redemptions/create", async (r, form) =>
        {
            var result = await r.Api.PostAsync("/api/redemption/", new { name = form["name"].ToString(), quota = NumberOrText(form, "quota"), count = NumberOrText(form, "count") }).ConfigureAwait(false);
            if (!result.Success)
            {
                r.State.Fail("redemption", result, "name", "quota", "count");
                return await RenderRedemptionsAsync(r, [], result.Status).ConfigureAwait(false);
            }

            r.State.Form = null;
            var codes = result.Items.Select(static c => c.ValueKind == JsonValueKind.String ? c.GetString() ?? "" : J.Str(c, "key")).ToList();
            return await RenderRedemptionsAsync(r, codes, StatusCodes.Status200OK).ConfigureAwait(false);
        });
        pages.Post("/redemptions/disable", async (r, form) =>
        {
            var result = await r.Api.PutAsync("/api/redemption/?status_only=1", new { id = NumberOrText(form, "id"), status = 2 }).ConfigureAwait(false);
            if (result.Success)
            {
                return r.Redirect("/redemptions", "saved");
            }

            r.State.Fail("redemption", result);
            return await RenderRedemptionsAsync(r, [], result.Status).ConfigureAwait(false);
        });
    }

    private static async Task<IResult> RenderRedemptionsAsync(DashboardRequest r, List<string> newCodes, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "redemptions";
        var page = PageOf(r.Context);
        var codes = await r.Api.GetAsync($"/api/redemption/?p={page}&page_size=20").ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<RedemptionsPage>(r.Context, r.Parameters(
            ("Codes", codes.Items), ("NewCodes", newCodes), ("Page", page), ("PageSize", 20), ("Total", codes.Total)), status).ConfigureAwait(false);
    }
}
