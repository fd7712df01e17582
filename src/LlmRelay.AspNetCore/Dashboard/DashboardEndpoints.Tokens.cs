using System.Globalization;
using LlmRelay.AspNetCore.Dashboard.Infrastructure;
using LlmRelay.AspNetCore.Dashboard.Pages;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.AspNetCore.Management.Tokens;
using LlmRelay.AspNetCore.Management.Users;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Dashboard;

/// <summary>The caller's gateway tokens: list, create, enable/disable, delete, through <see cref="TokenService"/> as the signed-in user.</summary>
internal static partial class DashboardEndpoints
{
    private const int TokenPageSize = 20;

    private static readonly string[] TokenFields = ["name", "remain_quota", "expired_time", "models", "allow_ips", "group"];

    private static void MapTokens(Routes pages)
    {
        pages.Get("/tokens", async r =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            return await RenderTokensAsync(r, NewKeyHandoff.Take(r.Context, r.State.Url("/tokens"), r.Actor.Id), StatusCodes.Status200OK).ConfigureAwait(false);
        });
        pages.Post("/tokens/create", async (r, form) =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var result = await r.Service<TokenService>().CreateAsync(r.Actor, ReadTokenChanges(r, form), r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                r.State.Fail("token", error, TokenFields);
                return await RenderTokensAsync(r, null, error.StatusCode).ConfigureAwait(false);
            }

            // POST-redirect-GET: the key goes to the next GET in a protected one-time cookie, so reloading that page
            // neither posts the form again (a second key) nor shows the key a second time (issue #15).
            NewKeyHandoff.Give(r.Context, r.State.Url("/tokens"), r.Actor.Id, result.Value.Token.Id, result.Value.Key);
            return r.Redirect("/tokens");
        });

        // Every field of the edit form is set (an empty one clears: no expiry, any model, any address); the group must be one
        // the token's owner may use, which TokenService checks whatever the form offered.
        pages.Post("/tokens/update", async (r, form) =>
        {
            if (await r.RequireUserAsync().ConfigureAwait(false) is { } redirect)
            {
                return redirect;
            }

            var reader = new FormReader(form);
            if (reader.Long("id", required: true, min: 1) is not { } id)
            {
                return await FailTokensAsync(r, ManagementError.Invalid(reader.Error!)).ConfigureAwait(false);
            }

            var result = await r.Service<TokenService>().UpdateAsync(r.Actor, id, ReadTokenChanges(r, form), r.Context.RequestAborted).ConfigureAwait(false);
            if (result.Error is not { } error)
            {
                return r.Redirect("/tokens", "saved");
            }

            if (error.StatusCode == StatusCodes.Status404NotFound)
            {
                return await FailTokensAsync(r, error).ConfigureAwait(false);
            }

            r.State.Fail("token-edit-" + id.ToString(CultureInfo.InvariantCulture), error, TokenFields);
            return await RenderTokensAsync(r, null, error.StatusCode, id).ConfigureAwait(false);
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

    /// <summary>Reads a token form (create or edit) as the API's <see cref="TokenChanges"/>; the expiry is a time in the viewer's zone, empty for never.</summary>
    private static TokenChanges ReadTokenChanges(DashboardRequest r, IFormCollection form)
    {
        var reader = new FormReader(form);
        var expiresText = reader.Text("expires").Trim();
        long expires = -1;
        string? expiresError = null;
        if (expiresText.Length > 0)
        {
            if (DisplayFormat.FromLocalInput(expiresText, r.State.TimeZone) is { } at)
            {
                expires = at.ToUnixTimeSeconds();
            }
            else
            {
                expiresError = "Field 'expired_time' must be a date and time.";
            }
        }

        var remain = reader.Long("remain_quota");
        var models = FieldRules.SplitList(reader.Text("models"));
        return new TokenChanges
        {
            InputError = expiresError ?? reader.Error,
            Name = reader.Text("name"),
            RemainQuota = remain,
            UnlimitedQuota = form["unlimited_quota"] == "true",
            ExpiredTime = expires,
            Models = models,
            ModelLimitsEnabled = models.Count > 0,
            AllowIps = TokenChanges.SplitAllowIps(reader.Text("allow_ips")),
            Group = reader.Text("group") is { Length: > 0 } group ? group : null,
        };
    }

    private static async Task<IResult> FailTokensAsync(DashboardRequest r, ManagementError error)
    {
        r.State.Fail("token", error);
        return await RenderTokensAsync(r, null, error.StatusCode).ConfigureAwait(false);
    }

    private static async Task<IResult> RenderTokensAsync(DashboardRequest r, (long TokenId, string Key)? created, int status, long? editId = null)
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
        ApiToken? editing = null;
        if ((editId ?? LongOrNull(r.Context.Request.Query["edit"])) is { } id)
        {
            // Through the service: a token the user may not manage is refused as the API refuses it.
            var found = await r.Service<TokenService>().GetAsync(r.Actor, id, ct).ConfigureAwait(false);
            if (found.Error is { } refusal)
            {
                r.State.Fail("token", refusal);
                status = status == StatusCodes.Status200OK ? refusal.StatusCode : status;
            }
            else
            {
                editing = found.Value;
            }
        }

        // The new key's snippet names a model that key can call: served in its group and allowed by its model list.
        IReadOnlyList<string> keyModels = [];
        if (created is { } handed)
        {
            var found = await r.Service<TokenService>().GetAsync(r.Actor, handed.TokenId, ct).ConfigureAwait(false);
            if (found.Error is null)
            {
                var token = found.Value;
                keyModels = [.. ServedModels(r, token.Group).Where(m => token.Models.Count == 0 || token.Models.Contains(m, StringComparer.Ordinal))];
            }
        }

        var display = await QuotaDisplay.ReadAsync(r.Service<SystemSettings>(), ct).ConfigureAwait(false);
        return await DashboardRenderer.RenderAsync<TokensPage>(r.Context, r.Parameters(
            ("FormatQuota", (Func<long, string>)display.Format), ("Tokens", items), ("Groups", groups.Keys.Order(StringComparer.Ordinal).ToList()), ("NewKey", created?.Key), ("KeyModels", keyModels), ("Editing", editing), ("Page", page), ("PageSize", TokenPageSize), ("Total", tokens.Error is null ? tokens.Value.Total : 0L)), status).ConfigureAwait(false);
    }
}
