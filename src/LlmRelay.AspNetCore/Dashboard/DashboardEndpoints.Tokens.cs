using System.Globalization;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Tokens;
using LlmRelay.AspNetCore.Management.Users;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The caller's gateway tokens: list, create, enable/disable, delete, through <see cref="TokenService"/> as the signed-in user.</summary>
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

            var reader = new FormReader(form);
            var remain = reader.Long("remain_quota");
            var changes = new TokenChanges
            {
                InputError = reader.Error,
                Name = reader.Text("name"),
                RemainQuota = remain,
                UnlimitedQuota = form["unlimited_quota"] == "true",
                ExpiredTime = expires,
                Models = FieldRules.SplitList(reader.Text("models")),
                AllowIps = TokenChanges.SplitAllowIps(reader.Text("allow_ips")),
                Group = reader.Text("group") is { Length: > 0 } group ? group : null,
            };
            var result = await r.Service<TokenService>().CreateAsync(r.Actor, changes, r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                r.State.Fail("token", error, "name", "remain_quota", "expired_time", "models", "allow_ips", "group");
                return await RenderTokensAsync(r, null, error.StatusCode).ConfigureAwait(false);
            }

            r.State.Form = null;
            return await RenderTokensAsync(r, result.Value.Key, StatusCodes.Status200OK).ConfigureAwait(false);
        });
        pages.Post("/tokens/status", async (r, form) =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var reader = new FormReader(form);
            var id = reader.Long("id", required: true, min: 1);
            if (reader.Error is { } idError)
            {
                return await FailTokensAsync(r, ManagementError.Invalid(idError)).ConfigureAwait(false);
            }

            var status = reader.Long("status");
            var result = await r.Service<TokenService>().SetStatusAsync(r.Actor, id!.Value, status is { } s ? (TokenStatus)(int)Math.Clamp(s, int.MinValue, int.MaxValue) : null, reader.Error, r.Context.RequestAborted).ConfigureAwait(false);
            return result.Error is { } error ? await FailTokensAsync(r, error).ConfigureAwait(false) : r.Redirect("/tokens", "saved");
        });
        pages.Post("/tokens/delete", async (r, form) =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var error = LongOrNull(form["id"]) is { } id
                ? await r.Service<TokenService>().DeleteAsync(r.Actor, id, r.Context.RequestAborted).ConfigureAwait(false)
                : ManagementError.NotFound("Token");
            return error is null ? r.Redirect("/tokens", "deleted") : await FailTokensAsync(r, error).ConfigureAwait(false);
        });
    }

    private static async Task<IResult> FailTokensAsync(DashboardRequest r, ManagementError error)
    {
        r.State.Fail("token", error);
        return await RenderTokensAsync(r, null, error.StatusCode).ConfigureAwait(false);
    }

    private static async Task<IResult> RenderTokensAsync(DashboardRequest r, string? newKey, int status)
    {
        if (r.State.User is null && await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
        {
            return redirect;
        }

        r.State.Active = "tokens";
        var page = PageOf(r.Context);
        var ct = r.Context.RequestAborted;
        var tokens = await r.Service<TokenService>().ListAsync(r.Actor, null, null, page, TokenPageSize, ct).ConfigureAwait(false);
        var groups = await r.Service<UsableGroups>().DescribeForAsync(r.Actor.Group, ct).ConfigureAwait(false);
        IReadOnlyList<ApiToken> items = tokens.Error is null ? tokens.Value.Items : [];
        return await DashboardRenderer.RenderAsync<TokensPage>(r.Context, r.Parameters(
            ("Tokens", items), ("Groups", groups.Keys.ToList()), ("NewKey", newKey), ("Page", page), ("PageSize", TokenPageSize), ("Total", tokens.Error is null ? tokens.Value.Total : 0L)), status).ConfigureAwait(false);
    }
}
