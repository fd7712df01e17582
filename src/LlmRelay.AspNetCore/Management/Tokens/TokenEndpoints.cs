using System.Globalization;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Users;
using LlmRelay.Channels;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LlmRelay.AspNetCore.Management.Tokens;

/// <summary>Token routes: the caller's gateway keys (<c>sk-...</c>); admins may pass <c>user_id</c> to see the keys of a user below them.</summary>
/// <remarks>
/// Who may touch which key is <see cref="UserRules.RefuseTokenOwnerAsync"/>; a key's group must be one its owner may use
/// (<see cref="UsableGroups"/>). Every change clears <see cref="TokenCache"/>, so the relay sees it on the next request.
/// </remarks>
internal static class TokenEndpoints
{
    private static readonly char[] IpSeparators = [',', '\n', '\r', ';'];

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/token/", ListAsync).At(AccessLevel.User);
        api.MapGet("/token/search", SearchAsync).At(AccessLevel.User);
        api.MapGet("/token/{id:long}", GetAsync).At(AccessLevel.User);
        api.MapPost("/token/", CreateAsync).At(AccessLevel.User);
        api.MapPut("/token/", UpdateAsync).At(AccessLevel.User);
        api.MapDelete("/token/{id:long}", DeleteAsync).At(AccessLevel.User);
        api.MapPost("/token/batch", DeleteBatchAsync).At(AccessLevel.User);
    }

    // A common user's user_id is ignored (their own keys); an admin's must name a user below them.
    private static long OwnerFilter(HttpRequest request)
    {
        var user = request.HttpContext.CurrentUser();
        return user.Role >= UserRole.Admin && long.TryParse(request.Query["user_id"], NumberStyles.None, CultureInfo.InvariantCulture, out var other)
            ? other
            : user.Id;
    }

    private static Task<ApiResult> ListAsync(HttpRequest request, ITokenStore tokens, IUserStore users, CancellationToken ct) => QueryAsync(request, tokens, users, null, ct);

    private static Task<ApiResult> SearchAsync(HttpRequest request, ITokenStore tokens, IUserStore users, CancellationToken ct) =>
        QueryAsync(request, tokens, users, request.Query["keyword"].ToString().Trim(), ct);

    private static async Task<ApiResult> QueryAsync(HttpRequest request, ITokenStore tokens, IUserStore users, string? keyword, CancellationToken ct)
    {
        var owner = OwnerFilter(request);
        if (await UserRules.RefuseTokenOwnerAsync(request.HttpContext.CurrentUser(), owner, users, ct).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        var (page, size) = request.Paging();
        var result = await tokens.QueryAsync(new PageQuery { Page = page, PageSize = size, UserId = owner, Keyword = keyword }, ct).ConfigureAwait(false);
        return ApiResult.Ok(new PageView<TokenView>([.. result.Items.Select(static t => TokenView.From(t))], result.Total, page, size), ManagementJsonContext.Default.PageViewTokenView);
    }

    // The token, or the answer for a caller who may not manage it: 404 when it does not exist (or, to a common user, is not theirs), 403 for an admin above whom its owner is.
    private static async Task<(ApiToken? Token, ApiResult? Refusal)> FindManagedAsync(HttpContext context, ITokenStore tokens, IUserStore users, long id, CancellationToken ct)
    {
        var token = await tokens.FindAsync(id, ct).ConfigureAwait(false);
        if (token is null)
        {
            return (null, ApiResult.NotFound("Token"));
        }

        var refusal = await UserRules.RefuseTokenOwnerAsync(context.CurrentUser(), token.UserId, users, ct).ConfigureAwait(false);
        return refusal is null ? (token, null) : (null, refusal);
    }

    private static async Task<ApiResult> GetAsync(long id, HttpContext context, ITokenStore tokens, IUserStore users, CancellationToken ct)
    {
        var (token, refusal) = await FindManagedAsync(context, tokens, users, id, ct).ConfigureAwait(false);
        return refusal ?? ApiResult.Ok(TokenView.From(token!), ManagementJsonContext.Default.TokenView);
    }

    private static async Task<ApiResult> CreateAsync(HttpContext context, ITokenStore tokens, TokenCache cache, UsableGroups usableGroups, TimeProvider time, CancellationToken ct)
    {
        var user = context.CurrentUser();
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var token = new ApiToken { UserId = user.Id, Group = user.Group, CreatedAt = time.GetUtcNow() };
        var error = Apply(body, token, time, creating: true);
        if (error is not null)
        {
            return ApiResult.Fail(error);
        }

        if (await RefuseGroupAsync(token, user, usableGroups, ct).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        var key = ApiKeys.Generate();
        token.KeyHash = ApiKeys.Hash(key);
        token.KeyHint = ApiKeys.Mask(key);
        await tokens.AddAsync(token, ct).ConfigureAwait(false);
        cache.Clear();
        return ApiResult.Ok(TokenView.From(token, key), ManagementJsonContext.Default.TokenView, "Keep this key; it is shown only once.");
    }

    private static async Task<ApiResult> UpdateAsync(HttpContext context, ITokenStore tokens, IUserStore users, TokenCache cache, UsableGroups usableGroups, TimeProvider time, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var id = body.Long("id", required: true, min: 1);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        var (token, refusal) = await FindManagedAsync(context, tokens, users, id!.Value, ct).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var statusOnly = context.Request.Query.ContainsKey("status_only");
        var group = token!.Group;
        var error = statusOnly ? ApplyStatus(body, token) : Apply(body, token, time, creating: false);
        if (error is not null)
        {
            return ApiResult.Fail(error);
        }

        // A group is checked when it changes: a key left in a group its owner lost keeps it (and the relay refuses it).
        if (!string.Equals(group, token.Group, StringComparison.Ordinal))
        {
            var actor = context.CurrentUser();
            var owner = token.UserId == actor.Id ? actor : await users.FindAsync(token.UserId, ct).ConfigureAwait(false);
            if (owner is not null && await RefuseGroupAsync(token, owner, usableGroups, ct).ConfigureAwait(false) is { } groupRefusal)
            {
                return groupRefusal;
            }
        }

        await tokens.UpdateAsync(token, ct).ConfigureAwait(false);
        cache.Clear();
        return ApiResult.Ok(TokenView.From(token), ManagementJsonContext.Default.TokenView);
    }

    private static async Task<ApiResult> DeleteAsync(long id, HttpContext context, ITokenStore tokens, IUserStore users, TokenCache cache, CancellationToken ct)
    {
        var (token, refusal) = await FindManagedAsync(context, tokens, users, id, ct).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var deleted = await tokens.DeleteAsync([id], token!.UserId, ct).ConfigureAwait(false);
        cache.Clear();
        return deleted > 0 ? ApiResult.Ok() : ApiResult.NotFound("Token");
    }

    private static async Task<ApiResult> DeleteBatchAsync(HttpContext context, ITokenStore tokens, IUserStore users, TokenCache cache, CancellationToken ct)
    {
        var user = context.CurrentUser();
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var ids = body.LongList("ids", required: true);
        if (body.Error is not null || ids!.Count == 0)
        {
            return ApiResult.Fail(body.Error ?? "Field 'ids' must not be empty.");
        }

        if (user.Role < UserRole.Admin)
        {
            return ApiResult.Ok(await DeleteAndClearAsync(tokens, cache, ids, user.Id, ct).ConfigureAwait(false), ManagementJsonContext.Default.Int64);
        }

        // An admin's batch is all or nothing: one key of a user not below them refuses it whole.
        foreach (var id in ids.Distinct())
        {
            if (await tokens.FindAsync(id, ct).ConfigureAwait(false) is { } token
                && await UserRules.RefuseTokenOwnerAsync(user, token.UserId, users, ct).ConfigureAwait(false) is { } refusal)
            {
                return refusal;
            }
        }

        return ApiResult.Ok(await DeleteAndClearAsync(tokens, cache, ids, null, ct).ConfigureAwait(false), ManagementJsonContext.Default.Int64);
    }

    private static async Task<long> DeleteAndClearAsync(ITokenStore tokens, TokenCache cache, IReadOnlyCollection<long> ids, long? userId, CancellationToken ct)
    {
        var deleted = await tokens.DeleteAsync(ids, userId, ct).ConfigureAwait(false);
        cache.Clear();
        return deleted;
    }

    private static async Task<ApiResult?> RefuseGroupAsync(ApiToken token, RelayUser owner, UsableGroups usableGroups, CancellationToken ct)
    {
        if (await usableGroups.IsUsableAsync(owner.Group, token.Group, ct).ConfigureAwait(false))
        {
            return null;
        }

        var usable = await usableGroups.ForAsync(owner.Group, ct).ConfigureAwait(false);
        return ApiResult.Forbidden($"Field 'group': '{token.Group}' is not a group the token's owner may use ({string.Join(", ", usable.Keys.Order(StringComparer.Ordinal))}).");
    }

    private static string? ApplyStatus(JsonBody body, ApiToken token)
    {
        var status = body.Long("status", required: true, min: 1, max: 2);
        if (body.Error is not null)
        {
            return body.Error + " (1 enabled, 2 disabled)";
        }

        token.Status = (TokenStatus)status!.Value;
        return null;
    }

    private static string? Apply(JsonBody body, ApiToken token, TimeProvider time, bool creating)
    {
        var name = body.String("name", required: creating, maxLength: 64);
        var remain = body.Long("remain_quota", min: 0);
        var unlimited = body.Bool("unlimited_quota");
        var expired = body.Long("expired_time", min: -1);
        var models = body.Has("model_limits") ? body.StringList("model_limits") : body.StringList("models");
        var limitsEnabled = body.Bool("model_limits_enabled");
        var group = body.String("group", maxLength: 64);
        var status = body.Long("status", min: 1, max: 2);
        var allowIps = AllowIps(body);
        if (body.Error is not null)
        {
            return body.Error;
        }

        if (expired is > 0 && DateTimeOffset.FromUnixTimeSeconds(expired.Value) <= time.GetUtcNow())
        {
            return "Field 'expired_time' must be in the future, or -1 for never.";
        }

        token.Name = name ?? token.Name;
        token.RemainQuota = remain ?? token.RemainQuota;
        token.UnlimitedQuota = unlimited ?? token.UnlimitedQuota;
        if (expired is not null)
        {
            token.ExpiresAt = expired <= 0 ? null : DateTimeOffset.FromUnixTimeSeconds(expired.Value);
        }

        if (limitsEnabled == false)
        {
            token.Models = [];
        }
        else if (models is not null)
        {
            token.Models = models;
        }

        if (allowIps is not null)
        {
            token.AllowIps = allowIps;
        }

        token.Group = string.IsNullOrEmpty(group) ? (string.IsNullOrEmpty(token.Group) ? RelayGroups.Default : token.Group) : group;
        if (status is not null)
        {
            token.Status = (TokenStatus)status.Value;
        }

        if (token.Status is TokenStatus.Exhausted && (token.UnlimitedQuota || token.RemainQuota > 0))
        {
            token.Status = TokenStatus.Enabled;
        }

        if (token.Status is TokenStatus.Expired && token.ExpiresAt is null)
        {
            token.Status = TokenStatus.Enabled;
        }

        return null;
    }

    /// <summary>Reads <c>allow_ips</c> (new-api's name): IPs or CIDR ranges separated by newlines or commas, or a JSON array; empty allows any address.</summary>
    private static List<string>? AllowIps(JsonBody body)
    {
        if (!body.Has("allow_ips"))
        {
            return null;
        }

        var value = body.Root.GetProperty("allow_ips");
        IEnumerable<string> entries;
        if (value.ValueKind == System.Text.Json.JsonValueKind.String)
        {
            entries = value.GetString()!.Split(IpSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        else if (value.ValueKind == System.Text.Json.JsonValueKind.Array && value.EnumerateArray().All(static e => e.ValueKind == System.Text.Json.JsonValueKind.String))
        {
            entries = value.EnumerateArray().Select(static e => e.GetString()!.Trim()).Where(static e => e.Length > 0);
        }
        else
        {
            body.Report("Field 'allow_ips' must be a string of IPs or CIDR ranges separated by newlines or commas, or an array of strings.");
            return null;
        }

        var list = new List<string>();
        foreach (var entry in entries)
        {
            if (!TokenEntry.IsValidNetwork(entry))
            {
                body.Report($"Field 'allow_ips': '{entry}' is not an IP address or CIDR range.");
                return null;
            }

            if (!list.Contains(entry, StringComparer.OrdinalIgnoreCase))
            {
                list.Add(entry);
            }
        }

        return list;
    }
}
