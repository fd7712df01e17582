using System.Text.Json;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.Management;
using LlmRelay.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LlmRelay.AspNetCore.Management.Groups;

/// <summary>Group routes (admin): every group in use, and prefill groups kept in the <c>PrefillGroups</c> option.</summary>
internal static class GroupEndpoints
{
    private static readonly SemaphoreSlim PrefillGate = new(1, 1);

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/group/", ListGroupsAsync).At(AccessLevel.Admin);
        api.MapGet("/prefill_group/", ListPrefillAsync).At(AccessLevel.Admin);
        api.MapPost("/prefill_group/", static (HttpRequest r, SystemSettings s, TimeProvider t, CancellationToken ct) => SavePrefillAsync(r, s, t, creating: true, ct)).At(AccessLevel.Admin);
        api.MapPut("/prefill_group/", static (HttpRequest r, SystemSettings s, TimeProvider t, CancellationToken ct) => SavePrefillAsync(r, s, t, creating: false, ct)).At(AccessLevel.Admin);
        api.MapDelete("/prefill_group/{id:long}", DeletePrefillAsync).At(AccessLevel.Admin);
    }

    private static async Task<ApiResult> ListGroupsAsync(HttpContext context, GroupService service, CancellationToken ct)
    {
        var result = await service.ListAsync(context.CurrentUser(), ct).ConfigureAwait(false);
        return result.Error is { } error ? ApiResult.From(error) : ApiResult.Ok(result.Value.ToList(), ManagementJsonContext.Default.ListString);
    }

    private static async Task<List<PrefillGroup>> LoadAsync(SystemSettings settings, CancellationToken ct) =>
        JsonSerializer.Deserialize(await settings.GetAsync(SystemSettings.PrefillGroups, ct).ConfigureAwait(false), ManagementJsonContext.Default.ListPrefillGroup) ?? [];

    private static Task SaveAsync(SystemSettings settings, List<PrefillGroup> groups, CancellationToken ct) =>
        settings.SetAsync([new SystemOption { Key = SystemSettings.PrefillGroups, Value = JsonSerializer.Serialize(groups, ManagementJsonContext.Default.ListPrefillGroup) }], ct);

    private static async Task<ApiResult> ListPrefillAsync(HttpRequest request, SystemSettings settings, CancellationToken ct)
    {
        var type = request.Query["type"].ToString();
        var groups = (await LoadAsync(settings, ct).ConfigureAwait(false)).Where(g => type.Length == 0 || g.Type == type).ToList();
        return ApiResult.Ok(groups, ManagementJsonContext.Default.ListPrefillGroup);
    }

    private static async Task<ApiResult> SavePrefillAsync(HttpRequest request, SystemSettings settings, TimeProvider time, bool creating, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var id = creating ? null : body.Long("id", required: true, min: 1);
        var name = body.String("name", required: creating, maxLength: 64);
        var type = body.String("type", required: creating, maxLength: 16);
        var items = body.StringList("items", required: creating);
        var description = body.String("description", maxLength: 512);
        var error = body.Error;
        if (error is null && type is not null && type is not ("model" or "tag" or "endpoint"))
        {
            error = "Field 'type' must be model, tag or endpoint.";
        }

        if (error is not null)
        {
            return ApiResult.Fail(error);
        }

        await PrefillGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var groups = await LoadAsync(settings, ct).ConfigureAwait(false);
            PrefillGroup saved;
            if (creating)
            {
                if (groups.Any(g => g.Name == name))
                {
                    return ApiResult.Fail($"Field 'name': a prefill group named '{name}' exists.", StatusCodes.Status409Conflict);
                }

                saved = new PrefillGroup(groups.Count == 0 ? 1 : groups.Max(static g => g.Id) + 1, name!, type!, items!, description ?? "", time.GetUtcNow().ToUnixTimeSeconds());
                groups.Add(saved);
            }
            else
            {
                var index = groups.FindIndex(g => g.Id == id);
                if (index < 0)
                {
                    return ApiResult.NotFound("Prefill group");
                }

                var current = groups[index];
                saved = current with { Name = name ?? current.Name, Type = type ?? current.Type, Items = items ?? current.Items, Description = description ?? current.Description };
                groups[index] = saved;
            }

            await SaveAsync(settings, groups, ct).ConfigureAwait(false);
            return ApiResult.Ok(saved, ManagementJsonContext.Default.PrefillGroup);
        }
        finally
        {
            PrefillGate.Release();
        }
    }

    private static async Task<ApiResult> DeletePrefillAsync(long id, SystemSettings settings, CancellationToken ct)
    {
        await PrefillGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var groups = await LoadAsync(settings, ct).ConfigureAwait(false);
            if (groups.RemoveAll(g => g.Id == id) == 0)
            {
                return ApiResult.NotFound("Prefill group");
            }

            await SaveAsync(settings, groups, ct).ConfigureAwait(false);
            return ApiResult.Ok();
        }
        finally
        {
            PrefillGate.Release();
        }
    }
}
