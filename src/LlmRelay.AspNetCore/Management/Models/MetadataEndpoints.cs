using System.Text.Json.Nodes;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.Management;
using LlmRelay.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management.Models;

/// <summary>Model metadata and vendor routes (admin): free-form JSON records with an id and a required name, kept in internal options.</summary>
internal static class MetadataEndpoints
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static void Map(IEndpointRouteBuilder api)
    {
        MapList(api, "/models", SystemSettings.ModelMetas, "model_name", "Model");
        MapList(api, "/vendors", SystemSettings.Vendors, "name", "Vendor");
        api.MapGet("/models/missing", MissingAsync).At(AccessLevel.Admin);
        api.MapGet("/models/sync_upstream/preview", static () => Users.UserEndpoints.NotSupported("Syncing model metadata from an upstream catalogue")).At(AccessLevel.Admin);
        api.MapPost("/models/sync_upstream", static () => Users.UserEndpoints.NotSupported("Syncing model metadata from an upstream catalogue")).At(AccessLevel.Admin);
    }

    private static void MapList(IEndpointRouteBuilder api, string path, string option, string nameField, string what)
    {
        if (path != "/models")
        {
            api.MapGet(path + "/", async (HttpRequest r, SystemSettings s, CancellationToken ct) => Page(r, await LoadAsync(s, option, ct).ConfigureAwait(false), null, nameField)).At(AccessLevel.Admin);
        }
        else
        {
            // Routing treats "/api/models" (user: models they may use) and "/api/models/" (admin: metadata) as one route.
            api.MapGet(path, async (HttpRequest r, SystemSettings s, LlmRelay.Selection.ChannelCatalogProvider catalog, CancellationToken ct) =>
            {
                if (!r.Path.Value!.EndsWith('/'))
                {
                    return Site.SystemEndpoints.GetModels(r.HttpContext, catalog);
                }

                return r.HttpContext.CurrentUser().Role < LlmRelay.Users.UserRole.Admin
                    ? ApiResult.Forbidden()
                    : Page(r, await LoadAsync(s, option, ct).ConfigureAwait(false), null, nameField);
            }).At(AccessLevel.User);
        }
        api.MapGet(path + "/search", async (HttpRequest r, SystemSettings s, CancellationToken ct) => Page(r, await LoadAsync(s, option, ct).ConfigureAwait(false), r.Query["keyword"].ToString().Trim(), nameField)).At(AccessLevel.Admin);
        api.MapGet(path + "/{id:long}", async (long id, SystemSettings s, CancellationToken ct) =>
            (await LoadAsync(s, option, ct).ConfigureAwait(false)).OfType<JsonObject>().FirstOrDefault(o => IdOf(o) == id) is { } item
                ? ApiResult.Ok(item, ManagementJsonContext.Default.JsonObject)
                : ApiResult.NotFound(what)).At(AccessLevel.Admin);
        api.MapPost(path + "/", (HttpRequest r, SystemSettings s, CancellationToken ct) => SaveAsync(r, s, option, nameField, what, creating: true, ct)).At(AccessLevel.Admin);
        api.MapPut(path + "/", (HttpRequest r, SystemSettings s, CancellationToken ct) => SaveAsync(r, s, option, nameField, what, creating: false, ct)).At(AccessLevel.Admin);
        api.MapDelete(path + "/{id:long}", async (long id, SystemSettings s, CancellationToken ct) =>
        {
            await Gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var items = await LoadAsync(s, option, ct).ConfigureAwait(false);
                var found = items.OfType<JsonObject>().FirstOrDefault(o => IdOf(o) == id);
                if (found is null)
                {
                    return ApiResult.NotFound(what);
                }

                items.Remove(found);
                await s.SetAsync([new SystemOption { Key = option, Value = items.ToJsonString() }], ct).ConfigureAwait(false);
                return ApiResult.Ok();
            }
            finally
            {
                Gate.Release();
            }
        }).At(AccessLevel.Admin);
    }

    private static long IdOf(JsonObject item) => item["id"] is JsonValue v && v.TryGetValue<long>(out var id) ? id : 0;

    private static async Task<JsonArray> LoadAsync(SystemSettings settings, string option, CancellationToken ct) =>
        JsonNode.Parse(await settings.GetAsync(option, ct).ConfigureAwait(false)) as JsonArray ?? [];

    private static ApiResult Page(HttpRequest request, JsonArray items, string? keyword, string nameField)
    {
        var (page, size) = request.Paging();
        var matching = items.OfType<JsonObject>()
            .Where(o => string.IsNullOrEmpty(keyword) || (o[nameField]?.ToString() ?? "").Contains(keyword, StringComparison.OrdinalIgnoreCase))
            .ToList();
        var result = new JsonObject
        {
            ["items"] = new JsonArray([.. matching.Skip((page - 1) * size).Take(size).Select(static o => o.DeepClone())]),
            ["total"] = matching.Count,
            ["page"] = page,
            ["page_size"] = size,
        };
        return ApiResult.Ok(result, ManagementJsonContext.Default.JsonObject);
    }

    private static async Task<ApiResult> SaveAsync(HttpRequest request, SystemSettings settings, string option, string nameField, string what, bool creating, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var id = creating ? null : body.Long("id", required: true, min: 1);
        var name = body.String(nameField, required: creating, maxLength: 128);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        var input = JsonNode.Parse(body.Root.GetRawText())!.AsObject();
        await Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var items = await LoadAsync(settings, option, ct).ConfigureAwait(false);
            var objects = items.OfType<JsonObject>().ToList();
            if (name is not null && objects.Any(o => o[nameField]?.ToString() == name && (creating || IdOf(o) != id)))
            {
                return ApiResult.Fail($"Field '{nameField}': '{name}' exists.", StatusCodes.Status409Conflict);
            }

            JsonObject saved;
            if (creating)
            {
                input["id"] = objects.Count == 0 ? 1 : objects.Max(IdOf) + 1;
                input["created_time"] = request.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();
                items.Add(input);
                saved = input;
            }
            else
            {
                saved = objects.FirstOrDefault(o => IdOf(o) == id) ?? throw new KeyNotFoundException();
                foreach (var (key, value) in input)
                {
                    if (key is not ("id" or "created_time"))
                    {
                        saved[key] = value?.DeepClone();
                    }
                }
            }

            await settings.SetAsync([new SystemOption { Key = option, Value = items.ToJsonString() }], ct).ConfigureAwait(false);
            return ApiResult.Ok(saved.DeepClone().AsObject(), ManagementJsonContext.Default.JsonObject);
        }
        catch (KeyNotFoundException)
        {
            return ApiResult.NotFound(what);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<ApiResult> MissingAsync(SystemSettings settings, IChannelStore channels, CancellationToken ct)
    {
        var known = (await LoadAsync(settings, SystemSettings.ModelMetas, ct).ConfigureAwait(false)).OfType<JsonObject>()
            .Select(static o => o["model_name"]?.ToString()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var missing = (await channels.ListAsync(ct).ConfigureAwait(false))
            .SelectMany(static c => c.Models.Concat(c.ModelMapping.Keys))
            .Where(m => !known.Contains(m)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return ApiResult.Ok(missing, ManagementJsonContext.Default.ListString);
    }
}
