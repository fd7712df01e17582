using System.Globalization;
using LlmRelay.AspNetCore.Authentication;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LlmRelay.AspNetCore.Management.Logs;

/// <summary>Usage-log and statistics routes (issue #5): <c>/api/log/...</c>, <c>/api/data/...</c> and <c>/api/usage/token/</c>.</summary>
/// <remarks>
/// Every filter, count and sum runs in the database through <see cref="IUsageLogQueries"/>. The <c>self</c> routes
/// always add <c>user_id = caller</c>, whatever the query string says, and hide channel details.
/// <code>
/// GET    /api/log/             admin  paged, filters          GET /api/log/self          user   paged, own rows
/// DELETE /api/log/             admin  ?target_timestamp=      GET /api/log/self/stat     user
/// GET    /api/log/stat         admin  quota, rpm, tpm         GET /api/log/self/search   user
/// GET    /api/log/search       admin  ?keyword=               GET /api/log/token?key=    public, CORS *
/// GET    /api/data/            admin  hourly per model        GET /api/data/self         user
/// GET    /api/usage/token/     the gateway key itself (Authorization: Bearer sk-...)
/// </code>
/// </remarks>
internal static class LogEndpoints
{
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 100;

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/log/", static (HttpRequest r, LogService l, CancellationToken ct) => ListAsync(r, l, self: false, ct)).At(AccessLevel.Admin);
        api.MapDelete("/log/", DeleteAsync).At(AccessLevel.Admin);
        api.MapGet("/log/stat", static (HttpRequest r, IUsageLogQueries q, TimeProvider t, CancellationToken ct) => StatAsync(r, q, t, self: false, ct)).At(AccessLevel.Admin);
        api.MapGet("/log/search", static (HttpRequest r, IUsageLogQueries q, CancellationToken ct) => SearchAsync(r, q, self: false, ct)).At(AccessLevel.Admin);
        api.MapGet("/log/self", static (HttpRequest r, LogService l, CancellationToken ct) => ListAsync(r, l, self: true, ct)).At(AccessLevel.User);
        api.MapGet("/log/self/stat", static (HttpRequest r, IUsageLogQueries q, TimeProvider t, CancellationToken ct) => StatAsync(r, q, t, self: true, ct)).At(AccessLevel.User);
        api.MapGet("/log/self/search", static (HttpRequest r, IUsageLogQueries q, CancellationToken ct) => SearchAsync(r, q, self: true, ct)).At(AccessLevel.User);
        api.MapGet("/log/token", ByTokenKeyAsync).At(AccessLevel.Public);
        api.MapMethods("/log/token", [HttpMethods.Options], static (HttpContext context) =>
        {
            AllowAnyOrigin(context.Response);
            context.Response.Headers.AccessControlAllowMethods = "GET, OPTIONS";
            context.Response.Headers.AccessControlAllowHeaders = "Content-Type, Authorization";
            context.Response.Headers.AccessControlMaxAge = "86400";
            return Results.NoContent();
        });

        api.MapGet("/data/", static (HttpRequest r, LogService l, CancellationToken ct) => HourlyAsync(r, l, self: false, ct)).At(AccessLevel.Admin);
        api.MapGet("/data/self", static (HttpRequest r, LogService l, CancellationToken ct) => HourlyAsync(r, l, self: true, ct)).At(AccessLevel.User);

        api.MapGet("/usage/token/", TokenUsageAsync);
    }

    private static async Task<ApiResult> ListAsync(HttpRequest request, LogService logs, bool self, CancellationToken ct)
    {
        var (filter, error) = LogFilterReader.Read(name => request.Query[name].ToString(), self);
        var (page, size, pagingError) = ParsePaging(request, DefaultPageSize);
        if ((error ?? pagingError) is { } message)
        {
            return ApiResult.Fail(message);
        }

        var result = await logs.ListAsync(request.HttpContext.CurrentUser(), self, filter!, page, size, ct).ConfigureAwait(false);
        if (result.Error is { } refusal)
        {
            return ApiResult.From(refusal);
        }

        var items = result.Value.Items.Select(l => LogView.From(l, result.Value.UsernameOf(l.UserId), admin: !self, withIp: true)).ToList();
        return ApiResult.Ok(new PageView<LogView>(items, result.Value.Total, page, size), LogJsonContext.Default.PageViewLogView);
    }

    private static async Task<ApiResult> SearchAsync(HttpRequest request, IUsageLogQueries queries, bool self, CancellationToken ct)
    {
        var keyword = request.Query["keyword"].ToString().Trim();
        var (page, size, pagingError) = ParsePaging(request, MaxPageSize);
        if (pagingError is not null)
        {
            return ApiResult.Fail(pagingError);
        }

        if (keyword.Length > 256)
        {
            return ApiResult.Fail("Query 'keyword' must be at most 256 characters.");
        }

        var filter = new UsageLogFilter { Keyword = keyword.Length == 0 ? null : keyword, UserId = self ? request.HttpContext.CurrentUser().Id : null };
        var result = await queries.QueryAsync(filter, page, size, ct).ConfigureAwait(false);
        var items = await ViewsAsync(result.Items, queries, admin: !self, withIp: true, ct).ConfigureAwait(false);
        return ApiResult.Ok(items, LogJsonContext.Default.ListLogView);
    }

    private static async Task<ApiResult> StatAsync(HttpRequest request, IUsageLogQueries queries, TimeProvider time, bool self, CancellationToken ct)
    {
        var (filter, error) = LogFilterReader.Read(name => request.Query[name].ToString(), self);
        if (error is not null)
        {
            return ApiResult.Fail(error);
        }

        // Statistics count consumption unless a type is asked for, as new-api does.
        filter = filter! with { Type = filter.Type ?? UsageLogType.Consume, UserId = self ? request.HttpContext.CurrentUser().Id : null };
        var stats = await queries.GetStatsAsync(filter, time.GetUtcNow(), ct).ConfigureAwait(false);
        return ApiResult.Ok(new LogStatView(stats.Quota, stats.RequestsPerMinute, stats.TokensPerMinute), LogJsonContext.Default.LogStatView);
    }

    private static async Task<ApiResult> DeleteAsync(HttpRequest request, IUsageLogQueries queries, CancellationToken ct)
    {
        if (!long.TryParse(request.Query["target_timestamp"], NumberStyles.None, CultureInfo.InvariantCulture, out var target) || target <= 0 || target > LogFilterReader.MaxUnixSeconds)
        {
            return ApiResult.Fail("Query 'target_timestamp' is required: Unix seconds; rows created before it are deleted.");
        }

        var deleted = await queries.DeleteBeforeAsync(DateTimeOffset.FromUnixTimeSeconds(target), ct).ConfigureAwait(false);
        return ApiResult.Ok(deleted, LogJsonContext.Default.Int64);
    }

    private static async Task<ApiResult> ByTokenKeyAsync(HttpContext context, ITokenStore tokens, IUsageLogQueries queries, CancellationToken ct)
    {
        AllowAnyOrigin(context.Response);
        var key = context.Request.Query["key"].ToString().Trim();
        if (key.Length == 0 || key.Length > 512)
        {
            return ApiResult.Fail("Query 'key' is required: the gateway key (sk-...) whose logs to read.");
        }

        var (page, size, pagingError) = ParsePaging(context.Request, MaxPageSize);
        if (pagingError is not null)
        {
            return ApiResult.Fail(pagingError);
        }

        var token = await tokens.FindByKeyHashAsync(ApiKeys.Hash(key), ct).ConfigureAwait(false);
        if (token is null)
        {
            return ApiResult.Fail("The token does not exist or the key is wrong.", StatusCodes.Status404NotFound);
        }

        var result = await queries.QueryAsync(new UsageLogFilter { TokenId = token.Id }, page, size, ct).ConfigureAwait(false);
        var items = result.Items.Select(static l => LogView.From(l, null, admin: false, withIp: false)).ToList();
        return ApiResult.Ok(items, LogJsonContext.Default.ListLogView);
    }

    private static async Task<ApiResult> HourlyAsync(HttpRequest request, LogService logs, bool self, CancellationToken ct)
    {
        var (filter, error) = LogFilterReader.Read(name => request.Query[name].ToString(), self);
        if (error is not null)
        {
            return ApiResult.Fail(error);
        }

        var result = await logs.HourlyAsync(request.HttpContext.CurrentUser(), self, filter!, ct).ConfigureAwait(false);
        if (result.Error is { } refusal)
        {
            return ApiResult.From(refusal);
        }

        var views = result.Value.Select(static r => new HourlyUsageView(
            r.ModelName,
            r.HourStart.ToUnixTimeSeconds(),
            r.Count,
            r.Quota,
            r.PromptTokens + r.CompletionTokens,
            r.PromptTokens,
            r.CompletionTokens)).ToList();
        return ApiResult.Ok(views, LogJsonContext.Default.ListHourlyUsageView);
    }

    private static async Task<ApiResult> TokenUsageAsync(HttpContext context, ITokenStore tokens, CancellationToken ct)
    {
        var key = GatewayKeyReader.Read(context.Request);
        if (string.IsNullOrEmpty(key))
        {
            return ApiResult.Unauthorized("Send the gateway key as 'Authorization: Bearer sk-...'.");
        }

        var token = await tokens.FindByKeyHashAsync(ApiKeys.Hash(key), ct).ConfigureAwait(false);
        if (token is null || token.Status == TokenStatus.Disabled)
        {
            return ApiResult.Unauthorized("The gateway key is unknown or disabled.");
        }

        var view = new TokenUsageView(
            "token_usage",
            token.Name,
            token.RemainQuota + token.UsedQuota,
            token.UsedQuota,
            token.RemainQuota,
            token.UnlimitedQuota,
            token.Models.ToDictionary(static m => m, static _ => true, StringComparer.Ordinal),
            token.Models.Count > 0,
            token.ExpiresAt?.ToUnixTimeSeconds() ?? 0);
        return ApiResult.Ok(view, LogJsonContext.Default.TokenUsageView, "ok");
    }

    private static void AllowAnyOrigin(HttpResponse response) => response.Headers.AccessControlAllowOrigin = "*";

    private static async Task<List<LogView>> ViewsAsync(IReadOnlyList<UsageLog> logs, IUsageLogQueries queries, bool admin, bool withIp, CancellationToken ct)
    {
        var names = admin
            ? await queries.GetUsernamesAsync([.. logs.Select(static l => l.UserId).Where(static id => id != 0).Distinct()], ct).ConfigureAwait(false)
            : null;
        return [.. logs.Select(l => LogView.From(l, names is not null && names.TryGetValue(l.UserId, out var name) ? name : null, admin, withIp))];
    }

    private static (int Page, int Size, string? Error) ParsePaging(HttpRequest request, int defaultSize)
    {
        var page = 1;
        var size = defaultSize;
        var p = request.Query["p"].ToString();
        if (p.Length > 0 && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
        {
            return (0, 0, "Query 'p' must be a page number from 1.");
        }

        var s = request.Query["page_size"].ToString();
        if (s.Length > 0 && (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > MaxPageSize))
        {
            return (0, 0, $"Query 'page_size' must be between 1 and {MaxPageSize}.");
        }

        return (page, size, null);
    }
}
