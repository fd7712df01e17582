using System.Security.Cryptography;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Management;
using LlmRelay.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LlmRelay.AspNetCore.Management.Redemption;

/// <summary>Redemption-code routes (admin); users redeem through <c>POST /api/user/topup</c>.</summary>
internal static class RedemptionEndpoints
{
    private const int MaxBatch = 100;

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/redemption/", static (HttpRequest r, IRedemptionStore s, CancellationToken ct) => QueryAsync(r, s, null, ct)).At(AccessLevel.Admin);
        api.MapGet("/redemption/search", static (HttpRequest r, IRedemptionStore s, CancellationToken ct) => QueryAsync(r, s, r.Query["keyword"].ToString().Trim(), ct)).At(AccessLevel.Admin);
        api.MapGet("/redemption/{id:long}", GetAsync).At(AccessLevel.Admin);
        api.MapPost("/redemption/", CreateAsync).At(AccessLevel.Admin);
        api.MapPut("/redemption/", UpdateAsync).At(AccessLevel.Admin);
        api.MapDelete("/redemption/{id:long}", DeleteAsync).At(AccessLevel.Admin);
        api.MapDelete("/redemption/invalid", static async (IRedemptionStore s, TimeProvider t, CancellationToken ct) =>
            ApiResult.Ok((long)await s.DeleteInvalidAsync(t.GetUtcNow(), ct).ConfigureAwait(false), ManagementJsonContext.Default.Int64)).At(AccessLevel.Admin);
    }

    private static async Task<ApiResult> QueryAsync(HttpRequest request, IRedemptionStore store, string? keyword, CancellationToken ct)
    {
        var (page, size) = request.Paging();
        var result = await store.QueryAsync(new PageQuery { Page = page, PageSize = size, Keyword = keyword }, ct).ConfigureAwait(false);
        return ApiResult.Ok(new PageView<RedemptionView>([.. result.Items.Select(RedemptionView.From)], result.Total, page, size), ManagementJsonContext.Default.PageViewRedemptionView);
    }

    private static async Task<ApiResult> GetAsync(long id, IRedemptionStore store, CancellationToken ct) =>
        await store.FindAsync(id, ct).ConfigureAwait(false) is { } code
            ? ApiResult.Ok(RedemptionView.From(code), ManagementJsonContext.Default.RedemptionView)
            : ApiResult.NotFound("Redemption code");

    private static async Task<ApiResult> CreateAsync(HttpContext context, IRedemptionStore store, TimeProvider time, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var name = body.String("name", required: true, maxLength: 64);
        var count = body.Long("count", min: 1, max: MaxBatch) ?? 1;
        var quota = body.Long("quota", required: true, min: 1);
        var expired = body.Long("expired_time", min: -1);
        var now = time.GetUtcNow();
        var error = body.Error;
        if (error is null && expired is > 0 && DateTimeOffset.FromUnixTimeSeconds(expired.Value) <= now)
        {
            error = "Field 'expired_time' must be in the future, or -1 for never.";
        }

        if (error is not null)
        {
            return ApiResult.Fail(error);
        }

        var codes = Enumerable.Range(0, (int)count).Select(_ => new RedemptionCode
        {
            UserId = context.CurrentUser().Id,
            Name = name!,
            Key = RandomNumberGenerator.GetHexString(32, lowercase: true),
            Quota = quota!.Value,
            CreatedAt = now,
            ExpiresAt = expired is > 0 ? DateTimeOffset.FromUnixTimeSeconds(expired.Value) : null,
        }).ToList();
        await store.AddAsync(codes, ct).ConfigureAwait(false);
        return ApiResult.Ok(codes.Select(static c => c.Key).ToList(), ManagementJsonContext.Default.ListString);
    }

    private static async Task<ApiResult> UpdateAsync(HttpRequest request, IRedemptionStore store, TimeProvider time, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var id = body.Long("id", required: true, min: 1);
        var name = body.String("name", maxLength: 64);
        var quota = body.Long("quota", min: 1);
        var expired = body.Long("expired_time", min: -1);
        var status = body.Long("status", min: 1, max: 2);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        var code = await store.FindAsync(id!.Value, ct).ConfigureAwait(false);
        if (code is null)
        {
            return ApiResult.NotFound("Redemption code");
        }

        if (code.Status == RedemptionStatus.Used)
        {
            return ApiResult.Fail("Field 'id': a used code cannot be changed.");
        }

        if (request.Query.ContainsKey("status_only"))
        {
            if (status is null)
            {
                return ApiResult.Fail("Field 'status' is required (1 enabled, 2 disabled).");
            }

            code.Status = (RedemptionStatus)status.Value;
        }
        else
        {
            if (expired is > 0 && DateTimeOffset.FromUnixTimeSeconds(expired.Value) <= time.GetUtcNow())
            {
                return ApiResult.Fail("Field 'expired_time' must be in the future, or -1 for never.");
            }

            code.Name = name ?? code.Name;
            code.Quota = quota ?? code.Quota;
            code.Status = status is null ? code.Status : (RedemptionStatus)status.Value;
            if (expired is not null)
            {
                code.ExpiresAt = expired > 0 ? DateTimeOffset.FromUnixTimeSeconds(expired.Value) : null;
            }
        }

        await store.UpdateAsync(code, ct).ConfigureAwait(false);
        return ApiResult.Ok(RedemptionView.From(code), ManagementJsonContext.Default.RedemptionView);
    }

    private static async Task<ApiResult> DeleteAsync(long id, IRedemptionStore store, CancellationToken ct) =>
        await store.DeleteAsync(id, ct).ConfigureAwait(false) ? ApiResult.Ok() : ApiResult.NotFound("Redemption code");
}
