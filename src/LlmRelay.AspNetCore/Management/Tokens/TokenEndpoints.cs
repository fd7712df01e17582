using System.Globalization;
using System.Text.Json;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LlmRelay.AspNetCore.Management.Tokens;

/// <summary>Token routes: the caller's gateway keys (<c>sk-...</c>); admins may pass <c>user_id</c> to see the keys of a user below them.</summary>
/// <remarks>Each route reads its request, calls <see cref="TokenService"/> as the signed-in user and answers its outcome in the API envelope.</remarks>
internal static class TokenEndpoints
{
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

    private static Task<ApiResult> ListAsync(HttpRequest request, TokenService service, CancellationToken ct) => QueryAsync(request, service, null, ct);

    private static Task<ApiResult> SearchAsync(HttpRequest request, TokenService service, CancellationToken ct) =>
        QueryAsync(request, service, request.Query["keyword"].ToString().Trim(), ct);

    private static async Task<ApiResult> QueryAsync(HttpRequest request, TokenService service, string? keyword, CancellationToken ct)
    {
        long? owner = long.TryParse(request.Query["user_id"], NumberStyles.None, CultureInfo.InvariantCulture, out var other) ? other : null;
        var (page, size) = request.Paging();
        var result = await service.ListAsync(request.HttpContext.CurrentUser(), owner, keyword, page, size, ct).ConfigureAwait(false);
        return result.Error is { } error
            ? ApiResult.From(error)
            : ApiResult.Ok(new PageView<TokenView>([.. result.Value.Items.Select(static t => TokenView.From(t))], result.Value.Total, page, size), ManagementJsonContext.Default.PageViewTokenView);
    }

    private static async Task<ApiResult> GetAsync(long id, HttpContext context, TokenService service, CancellationToken ct) =>
        View(await service.GetAsync(context.CurrentUser(), id, ct).ConfigureAwait(false));

    private static async Task<ApiResult> CreateAsync(HttpContext context, TokenService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var result = await service.CreateAsync(context.CurrentUser(), ReadChanges(body), ct).ConfigureAwait(false);
        return result.Error is { } error
            ? ApiResult.From(error)
            : ApiResult.Ok(TokenView.From(result.Value.Token, result.Value.Key), ManagementJsonContext.Default.TokenView, "Keep this key; it is shown only once.");
    }

    private static async Task<ApiResult> UpdateAsync(HttpContext context, TokenService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var id = body.Long("id", required: true, min: 1);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        var actor = context.CurrentUser();
        if (context.Request.Query.ContainsKey("status_only"))
        {
            var status = body.Long("status");
            return View(await service.SetStatusAsync(actor, id!.Value, ToStatus(status), body.Error, ct).ConfigureAwait(false));
        }

        return View(await service.UpdateAsync(actor, id!.Value, ReadChanges(body), ct).ConfigureAwait(false));
    }

    private static async Task<ApiResult> DeleteAsync(long id, HttpContext context, TokenService service, CancellationToken ct) =>
        await service.DeleteAsync(context.CurrentUser(), id, ct).ConfigureAwait(false) is { } error ? ApiResult.From(error) : ApiResult.Ok();

    private static async Task<ApiResult> DeleteBatchAsync(HttpContext context, TokenService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var ids = body.LongList("ids", required: true);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        return ApiResult.From(await service.DeleteManyAsync(context.CurrentUser(), ids!, ct).ConfigureAwait(false), ManagementJsonContext.Default.Int64);
    }

    // Out of int's range maps to a value the service refuses as out of range, never onto a valid status.
    private static TokenStatus? ToStatus(long? status) => status is { } s ? (TokenStatus)(int)Math.Clamp(s, int.MinValue, int.MaxValue) : null;

    private static ApiResult View(ManagementResult<ApiToken> result) =>
        result.Error is { } error ? ApiResult.From(error) : ApiResult.Ok(TokenView.From(result.Value), ManagementJsonContext.Default.TokenView);

    /// <summary>Reads the token fields of a JSON body; a field of the wrong JSON type becomes <see cref="TokenChanges.InputError"/>.</summary>
    private static TokenChanges ReadChanges(JsonBody body)
    {
        var name = body.String("name", maxLength: int.MaxValue);
        var remain = body.Long("remain_quota");
        var unlimited = body.Bool("unlimited_quota");
        var expired = body.Long("expired_time");
        var models = body.Has("model_limits") ? body.StringList("model_limits") : body.StringList("models");
        var limitsEnabled = body.Bool("model_limits_enabled");
        var group = body.String("group", maxLength: int.MaxValue);
        var status = body.Long("status");
        var allowIps = AllowIps(body);
        return new TokenChanges
        {
            InputError = body.Error,
            Name = name,
            RemainQuota = remain,
            UnlimitedQuota = unlimited,
            ExpiredTime = expired,
            Models = models,
            ModelLimitsEnabled = limitsEnabled,
            Group = group,
            Status = ToStatus(status),
            AllowIps = allowIps,
        };
    }

    /// <summary>Reads <c>allow_ips</c> (new-api's name): a string of entries separated by newlines or commas, or a JSON array of strings.</summary>
    private static List<string>? AllowIps(JsonBody body)
    {
        if (!body.Has("allow_ips"))
        {
            return null;
        }

        var value = body.Root.GetProperty("allow_ips");
        if (value.ValueKind == JsonValueKind.String)
        {
            return [.. TokenChanges.SplitAllowIps(value.GetString()!)];
        }

        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(static e => e.ValueKind == JsonValueKind.String))
        {
            return [.. value.EnumerateArray().Select(static e => e.GetString()!.Trim()).Where(static e => e.Length > 0)];
        }

        body.Report("Field 'allow_ips' must be a string of IPs or CIDR ranges separated by newlines or commas, or an array of strings.");
        return null;
    }
}
