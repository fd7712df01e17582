using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.AspNetCore.Management.Users;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>Setup, login, register, logout and the language switch.</summary>
internal static partial class DashboardEndpoints
{
    private static void MapAccount(Routes pages)
    {
        pages.Get("/setup", async r =>
        {
            return await r.Service<SiteService>().IsSetUpAsync(r.Context.RequestAborted).ConfigureAwait(false)
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

            var result = await r.Service<AccountService>().SetUpAsync(Account(form), r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                r.State.Fail("setup", error, "username", "password");
                return await DashboardRenderer.RenderAsync<SetupPage>(r.Context, r.Parameters(), StatusCodes.Status400BadRequest).ConfigureAwait(false);
            }

            return r.Redirect("/login", "setup_done");
        });

        pages.Get("/login", async r =>
        {
            if (!await r.Service<SiteService>().IsSetUpAsync(r.Context.RequestAborted).ConfigureAwait(false))
            {
                return r.Redirect("/setup");
            }

            return await RenderLoginAsync(r, StatusCodes.Status200OK).ConfigureAwait(false);
        });
        pages.Post("/login", async (r, form) =>
        {
            var result = await r.Service<AccountService>().SignInAsync(Account(form), r.Context.Connection.RemoteIpAddress, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                r.State.Fail("login", error, "username", "password");
                return await RenderLoginAsync(r, error.StatusCode).ConfigureAwait(false);
            }

            await UserSessions.SignInAsync(r.Context, result.Value).ConfigureAwait(false);
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

            var result = await r.Service<AccountService>().RegisterAsync(Account(form), r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                r.State.Fail("register", error, "username", "password");
                return await DashboardRenderer.RenderAsync<RegisterPage>(r.Context, r.Parameters(), error.StatusCode).ConfigureAwait(false);
            }

            return r.Redirect("/login", "registered");
        });

        pages.Post("/logout", async (r, _) =>
        {
            // As GET /api/user/logout: the signed-in user (enabled or not) is signed out everywhere, and this cookie removed.
            var user = await ManagementAuthentication.AuthenticateAsync(r.Context, sessionOnly: true).ConfigureAwait(false);
            await r.Service<AccountService>().SignOutEverywhereAsync(user, r.Context.RequestAborted).ConfigureAwait(false);
            await UserSessions.SignOutAsync(r.Context).ConfigureAwait(false);
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
        var registerEnabled = await r.Service<AccountService>().RefuseRegistrationAsync(r.Context.RequestAborted).ConfigureAwait(false) is null;
        return await DashboardRenderer.RenderAsync<LoginPage>(r.Context, r.Parameters(("RegisterEnabled", registerEnabled)), status).ConfigureAwait(false);
    }

    // The form sends only these two fields; both are always present (possibly empty).
    private static AccountRequest Account(IFormCollection form) => new() { Username = form["username"].ToString(), Password = form["password"].ToString() };
}
