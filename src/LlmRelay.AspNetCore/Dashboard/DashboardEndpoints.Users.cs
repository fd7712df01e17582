using System.Text.Json;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Redemption;
using LlmRelay.Management;
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
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var reader = new FormReader(form);
            var quota = reader.Long("quota");
            var count = reader.Long("count");
            var changes = new RedemptionChanges { InputError = reader.Error, Name = reader.Text("name"), Quota = quota, Count = count };
            var result = await r.Service<RedemptionService>().CreateAsync(r.Actor, changes, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                r.State.Fail("redemption", error, "name", "quota", "count");
                return await RenderRedemptionsAsync(r, [], error.StatusCode).ConfigureAwait(false);
            }

            r.State.Form = null;
            return await RenderRedemptionsAsync(r, result.Value, StatusCodes.Status200OK).ConfigureAwait(false);
        });
        pages.Post("/redemptions/disable", async (r, form) =>
        {
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var reader = new FormReader(form);
            var id = reader.Long("id", required: true, min: 1);
            var result = id is null
                ? ManagementError.Invalid(reader.Error!)
                : await r.Service<RedemptionService>().UpdateAsync(r.Actor, id.Value, new RedemptionChanges { Status = RedemptionStatus.Disabled }, statusOnly: true, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is null)
            {
                return r.Redirect("/redemptions", "saved");
            }

            r.State.Fail("redemption", result.Error);
            return await RenderRedemptionsAsync(r, [], result.Error.StatusCode).ConfigureAwait(false);
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
        var codes = await r.Service<RedemptionService>().ListAsync(r.Actor, null, page, 20, r.Context.RequestAborted).ConfigureAwait(false);
        IReadOnlyList<RedemptionCode> items = codes.Error is null ? codes.Value.Items : [];
        return await DashboardRenderer.RenderAsync<RedemptionsPage>(r.Context, r.Parameters(
            ("Codes", items), ("NewCodes", newCodes), ("Page", page), ("PageSize", 20), ("Total", codes.Error is null ? codes.Value.Total : 0L)), status).ConfigureAwait(false);
    }
}
