using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Management;
using LlmRelay.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LlmRelay.AspNetCore.Management.Redemption;

/// <summary>Redemption-code routes (admin); users redeem through <c>POST /api/user/topup</c>.</summary>
/// <remarks>Each route reads its request, calls <see cref="RedemptionService"/> as the signed-in user and answers its outcome in the API envelope.</remarks>
internal static class RedemptionEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/redemption/", static (HttpRequest r, RedemptionService s, CancellationToken ct) => QueryAsync(r, s, null, ct)).At(AccessLevel.Admin);
        api.MapGet("/redemption/search", static (HttpRequest r, RedemptionService s, CancellationToken ct) => QueryAsync(r, s, r.Query["keyword"].ToString().Trim(), ct)).At(AccessLevel.Admin);
        api.MapGet("/redemption/{id:long}", GetAsync).At(AccessLevel.Admin);
        api.MapPost("/redemption/", CreateAsync).At(AccessLevel.Admin);
        api.MapPut("/redemption/", UpdateAsync).At(AccessLevel.Admin);
        api.MapDelete("/redemption/{id:long}", DeleteAsync).At(AccessLevel.Admin);
        api.MapDelete("/redemption/invalid", static async (HttpContext context, RedemptionService s, CancellationToken ct) =>
            ApiResult.From(await s.DeleteInvalidAsync(context.CurrentUser(), ct).ConfigureAwait(false), ManagementJsonContext.Default.Int64)).At(AccessLevel.Admin);
    }

    private static async Task<ApiResult> QueryAsync(HttpRequest request, RedemptionService service, string? keyword, CancellationToken ct)
    {
        var (page, size) = request.Paging();
        var result = await service.ListAsync(request.HttpContext.CurrentUser(), keyword, page, size, ct).ConfigureAwait(false);
        return result.Error is { } error
            ? ApiResult.From(error)
            : ApiResult.Ok(new PageView<RedemptionView>([.. result.Value.Items.Select(RedemptionView.From)], result.Value.Total, page, size), ManagementJsonContext.Default.PageViewRedemptionView);
    }

    private static async Task<ApiResult> GetAsync(long id, HttpContext context, RedemptionService service, CancellationToken ct) =>
        View(await service.GetAsync(context.CurrentUser(), id, ct).ConfigureAwait(false));

    private static async Task<ApiResult> CreateAsync(HttpContext context, RedemptionService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        return ApiResult.From(await service.CreateAsync(context.CurrentUser(), ReadChanges(body), ct).ConfigureAwait(false), ManagementJsonContext.Default.ListString);
    }

    private static async Task<ApiResult> UpdateAsync(HttpRequest request, RedemptionService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var id = body.Long("id", required: true, min: 1);
        var changes = ReadChanges(body);
        if (id is null)
        {
            return ApiResult.Fail(body.Error!);
        }

        return View(await service.UpdateAsync(request.HttpContext.CurrentUser(), id.Value, changes, request.Query.ContainsKey("status_only"), ct).ConfigureAwait(false));
    }

    private static async Task<ApiResult> DeleteAsync(long id, HttpContext context, RedemptionService service, CancellationToken ct) =>
        await service.DeleteAsync(context.CurrentUser(), id, ct).ConfigureAwait(false) is { } error ? ApiResult.From(error) : ApiResult.Ok();

    private static ApiResult View(ManagementResult<RedemptionCode> result) =>
        result.Error is { } error ? ApiResult.From(error) : ApiResult.Ok(RedemptionView.From(result.Value), ManagementJsonContext.Default.RedemptionView);

    /// <summary>Reads the code fields of a JSON body; a field of the wrong JSON type becomes <see cref="RedemptionChanges.InputError"/>.</summary>
    private static RedemptionChanges ReadChanges(JsonBody body)
    {
        var name = body.String("name", maxLength: int.MaxValue);
        var count = body.Long("count");
        var quota = body.Long("quota");
        var expired = body.Long("expired_time");
        var status = body.Long("status");
        return new RedemptionChanges
        {
            InputError = body.Error,
            Name = name,
            Count = count,
            Quota = quota,
            ExpiredTime = expired,
            Status = status is { } s ? (RedemptionStatus)(int)Math.Clamp(s, int.MinValue, int.MaxValue) : null,
        };
    }
}
