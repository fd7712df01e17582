using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.AspNetCore.Management.Redemption;
using LlmRelay.AspNetCore.Management.Users;
using LlmRelay.Management;
using LlmRelay.Users;
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
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var reader = new FormReader(form);
            var quota = reader.Long("quota");
            var changes = new UserChanges
            {
                InputError = reader.Error,
                Username = reader.Text("username"),
                Password = reader.Text("password"),
                DisplayName = reader.Text("display_name"),
                Quota = quota,
                Group = reader.Text("group") is { Length: > 0 } group ? group : null,
            };
            var result = await r.Service<UserService>().CreateAsync(r.Actor, changes, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is null)
            {
                return r.Redirect("/users", "saved");
            }

            r.State.Fail("user-add", result.Error, "username", "password", "display_name", "group", "quota");
            return await RenderUsersAsync(r, result.Error.StatusCode).ConfigureAwait(false);
        });
        pages.Post("/users/update", async (r, form) =>
        {
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            // Only the fields the posted form has are changed, as a partial PUT /api/user/.
            var reader = new FormReader(form);
            var id = reader.Long("id", required: true, min: 1);
            var quota = reader.Long("quota");
            var changes = new UserChanges
            {
                InputError = reader.Error,
                DisplayName = form.ContainsKey("display_name") ? reader.Text("display_name") : null,
                Group = form.ContainsKey("group") ? reader.Text("group") : null,
                Password = form.ContainsKey("password") ? reader.Text("password") : null,
                Quota = quota,
            };
            if (id is null)
            {
                return await UserResultAsync(r, ManagementError.Invalid(reader.Error!)).ConfigureAwait(false);
            }

            var result = await r.Service<UserService>().UpdateAsync(r.Actor, id.Value, changes, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is null && !string.IsNullOrEmpty(changes.Password?.Trim()) && result.Value.Id == r.Actor.Id)
            {
                // As the API does for a session: the password change ended every cookie, this one gets a fresh one.
                await UserSessions.SignInAsync(r.Context, result.Value).ConfigureAwait(false);
            }

            return await UserResultAsync(r, result.Error).ConfigureAwait(false);
        });
        pages.Post("/users/manage", async (r, form) =>
        {
            if (await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var reader = new FormReader(form);
            var id = reader.Long("id", required: true, min: 1);
            var result = id is null
                ? ManagementError.Invalid(reader.Error!)
                : await r.Service<UserService>().ManageAsync(r.Actor, id.Value, reader.Text("action"), null, r.Context.RequestAborted).ConfigureAwait(false);
            return await UserResultAsync(r, result.Error).ConfigureAwait(false);
        });
    }

    private static async Task<IResult> UserResultAsync(DashboardRequest r, ManagementError? error)
    {
        if (error is null)
        {
            return r.Redirect("/users", "saved");
        }

        r.State.Fail("user", error);
        r.State.Form = null;
        return await RenderUsersAsync(r, error.StatusCode).ConfigureAwait(false);
    }

    private static async Task<IResult> RenderUsersAsync(DashboardRequest r, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync(AdminRole).ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "users";
        var page = PageOf(r.Context);
        var users = await r.Service<UserService>().ListAsync(r.Actor, null, null, page, 20, r.Context.RequestAborted).ConfigureAwait(false);
        IReadOnlyList<RelayUser> items = users.Error is null ? users.Value.Items : [];
        var display = await QuotaDisplay.ReadAsync(r.Service<SystemSettings>(), r.Context.RequestAborted).ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<UsersPage>(r.Context, r.Parameters(
            ("FormatQuota", (Func<long, string>)display.Format), ("Users", items), ("Page", page), ("PageSize", 20), ("Total", users.Error is null ? users.Value.Total : 0L)), status).ConfigureAwait(false);
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
        var display = await QuotaDisplay.ReadAsync(r.Service<SystemSettings>(), r.Context.RequestAborted).ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<RedemptionsPage>(r.Context, r.Parameters(
            ("FormatQuota", (Func<long, string>)display.Format), ("Codes", items), ("NewCodes", newCodes), ("Page", page), ("PageSize", 20), ("Total", codes.Error is null ? codes.Value.Total : 0L)), status).ConfigureAwait(false);
    }
}
