using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Setup, login, register, logout and the language switch.</summary>
internal static partial class DashboardEndpoints
{
    private static void MapAccount(Routes pages)
    {
        pages.Get("/setup", async r =>
        {
            var setup = await r.Api.GetAsync("/api/setup").ConfigureAwait(false);
            return J.Bool(setup.Data, "status")
                ? r.Redirect("/login", "setup_already")
                : await DashboardRenderer.RenderAsync<SetupPage>(r.Context, r.Parameters()).ConfigureAwait(false);
        });
        pages.Post("/setup", async (r, form) =>
        {
            if (form["password"] != form["confirm_password"])
            {
                r.State.FormName = "setup";
                r.State.FieldErrors["confirm_password"] = r.State.T("passwords_differ");
                return await DashboardRenderer.RenderAsync<SetupPage>(r.Context, r.Parameters(), StatusCodes.Status400BadRequest).ConfigureAwait(false);
            }

            var result = await r.Api.PostAsync("/api/setup", new { username = form["username"].ToString(), password = form["password"].ToString() }).ConfigureAwait(false);
            if (!result.Success)
            {
                r.State.Fail("setup", result, "username", "password");
                return await DashboardRenderer.RenderAsync<SetupPage>(r.Context, r.Parameters(), StatusCodes.Status400BadRequest).ConfigureAwait(false);
            }

            return r.Redirect("/login", "setup_done");
        });

        pages.Get("/login", async r =>
        {
            var setup = await r.Api.GetAsync("/api/setup").ConfigureAwait(false);
            if (setup.Success && !J.Bool(setup.Data, "status"))
            {
                return r.Redirect("/setup");
            }

            return await RenderLoginAsync(r, StatusCodes.Status200OK).ConfigureAwait(false);
        });
        pages.Post("/login", async (r, form) =>
        {
            var result = await r.Api.PostAsync("/api/user/login", new { username = form["username"].ToString(), password = form["password"].ToString() }).ConfigureAwait(false);
            if (!result.Success)
            {
                r.State.Fail("login", result, "username", "password");
                return await RenderLoginAsync(r, result.Status).ConfigureAwait(false);
            }

            return r.Redirect("/");
        });

        pages.Get("/register", r => DashboardRenderer.RenderAsync<RegisterPage>(r.Context, r.Parameters()));
        pages.Post("/register", async (r, form) =>
        {
            if (form["password"] != form["confirm_password"])
            {
                r.State.FormName = "register";
                r.State.FieldErrors["confirm_password"] = r.State.T("passwords_differ");
                return await DashboardRenderer.RenderAsync<RegisterPage>(r.Context, r.Parameters(), StatusCodes.Status400BadRequest).ConfigureAwait(false);
            }

            var result = await r.Api.PostAsync("/api/user/register", new { username = form["username"].ToString(), password = form["password"].ToString() }).ConfigureAwait(false);
            if (!result.Success)
            {
                r.State.Fail("register", result, "username", "password");
                return await DashboardRenderer.RenderAsync<RegisterPage>(r.Context, r.Parameters(), result.Status).ConfigureAwait(false);
            }

            return r.Redirect("/login", "registered");
        });

        pages.Post("/logout", async (r, _) =>
        {
            await r.Api.GetAsync("/api/user/logout").ConfigureAwait(false);
            return r.Redirect("/login");
        });

        pages.Get("/lang", r =>
        {
            var to = DashboardStrings.Normalize(r.Context.Request.Query["to"]);
            r.Context.Response.Cookies.Append(DashboardRequest.LanguageCookie, to, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(365), Path = "/" });
            var back = r.Context.Request.Query["back"].ToString();
            // Only local paths: never an open redirect.
            var local = back.StartsWith('/') && !back.StartsWith("//", StringComparison.Ordinal) && !back.StartsWith("/\\", StringComparison.Ordinal);
            return Task.FromResult(Results.Redirect(local ? back : r.State.Url("/")));
        });
    }

    private static async Task<IResult> RenderLoginAsync(DashboardRequest r, int status)
    {
        var site = await r.Api.GetAsync("/api/status").ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<LoginPage>(r.Context, r.Parameters(("RegisterEnabled", J.Bool(site.Data, "register_enabled"))), status).ConfigureAwait(false);
    }
}
