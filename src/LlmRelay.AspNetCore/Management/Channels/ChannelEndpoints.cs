using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using LlmRelay.Health;
using LlmRelay.Internal;
using LlmRelay.Management;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.AspNetCore.Management.Channels;

/// <summary>Channel routes (admin): CRUD, search, tags, tests, model lists, balances and multi-key management.</summary>
/// <remarks>Every change reloads <see cref="ChannelCatalogProvider"/>, so the relay routes by it on the next request without a restart.</remarks>
internal static class ChannelEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/channel/", ListAsync).At(AccessLevel.Admin);
        api.MapGet("/channel/search", SearchAsync).At(AccessLevel.Admin);
        api.MapGet("/channel/models", static (IChannelStore store, CancellationToken ct) => ModelsAsync(store, false, ct)).At(AccessLevel.Admin);
        api.MapGet("/channel/models_enabled", static (IChannelStore store, CancellationToken ct) => ModelsAsync(store, true, ct)).At(AccessLevel.Admin);
        api.MapGet("/channel/{id:long}", GetAsync).At(AccessLevel.Admin);
        api.MapPost("/channel/", CreateAsync).At(AccessLevel.Admin);
        api.MapPut("/channel/", UpdateAsync).At(AccessLevel.Admin);
        api.MapDelete("/channel/{id:long}", DeleteAsync).At(AccessLevel.Admin);
        api.MapDelete("/channel/disabled", DeleteDisabledAsync).At(AccessLevel.Admin);
        api.MapPost("/channel/batch", DeleteBatchAsync).At(AccessLevel.Admin);
        api.MapPost("/channel/copy/{id:long}", CopyAsync).At(AccessLevel.Admin);
        api.MapPost("/channel/fix", FixAsync).At(AccessLevel.Admin);
        api.MapPost("/channel/tag/enabled", static (HttpContext c, IChannelStore s, IChannelStateStore st, ChannelCatalogProvider cat, ChannelKeyStatusRegistry ks, CancellationToken ct) => SetTagStatusAsync(c, s, st, cat, ks, ChannelStatus.Enabled, ct)).At(AccessLevel.Admin);
        api.MapPost("/channel/tag/disabled", static (HttpContext c, IChannelStore s, IChannelStateStore st, ChannelCatalogProvider cat, ChannelKeyStatusRegistry ks, CancellationToken ct) => SetTagStatusAsync(c, s, st, cat, ks, ChannelStatus.ManuallyDisabled, ct)).At(AccessLevel.Admin);
        api.MapPut("/channel/tag", EditTagAsync).At(AccessLevel.Admin);
        api.MapGet("/channel/tag/models", TagModelsAsync).At(AccessLevel.Admin);
        api.MapPost("/channel/batch/tag", BatchTagAsync).At(AccessLevel.Admin);
        api.MapGet("/channel/test", TestAllAsync).At(AccessLevel.Admin);
        api.MapGet("/channel/test/{id:long}", TestOneAsync).At(AccessLevel.Admin);
        api.MapGet("/channel/fetch_models/{id:long}", FetchModelsByIdAsync).At(AccessLevel.Admin);
        api.MapPost("/channel/fetch_models", FetchModelsAsync).At(AccessLevel.Admin);
        api.MapGet("/channel/update_balance", UpdateAllBalancesAsync).At(AccessLevel.Admin);
        api.MapGet("/channel/update_balance/{id:long}", UpdateBalanceAsync).At(AccessLevel.Admin);
        api.MapPost("/channel/multi_key/manage", ManageKeysAsync).At(AccessLevel.Admin);
        api.MapPost("/channel/{id:long}/key", RevealKeyAsync).At(AccessLevel.Root);
    }

    private static OutboundAddressPolicy Policy(HttpContext context) => context.RequestServices.GetRequiredService<OutboundAddressPolicy>();

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetService(typeof(ILoggerFactory)) is ILoggerFactory f ? f.CreateLogger("LlmRelay.Management") : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private static async Task<ApiResult> ListAsync(HttpRequest request, ChannelService service, ChannelKeyStatusRegistry keyStatus, CancellationToken ct)
    {
        var (page, size) = request.Paging();
        var status = request.Query["status"].ToString();
        bool? enabled = status is "enabled" or "1" ? true : status is "disabled" or "2" or "3" ? false : null;
        var result = await service.ListAsync(request.HttpContext.CurrentUser(), enabled, request.Query["type"].ToString(), request.Query["id_sort"] == "true", page, size, ct).ConfigureAwait(false);
        return Page(result, keyStatus, page, size);
    }

    private static async Task<ApiResult> SearchAsync(HttpRequest request, ChannelService service, ChannelKeyStatusRegistry keyStatus, CancellationToken ct)
    {
        var (page, size) = request.Paging();
        var keyword = request.Query["keyword"].ToString().Trim();
        var group = request.Query["group"].ToString().Trim();
        var model = request.Query["model"].ToString().Trim();
        return Page(await service.SearchAsync(request.HttpContext.CurrentUser(), keyword, group, model, page, size, ct).ConfigureAwait(false), keyStatus, page, size);
    }

    private static ApiResult Page(ManagementResult<PagedResult<ChannelEntry>> result, ChannelKeyStatusRegistry keyStatus, int page, int size) =>
        result.Error is { } error
            ? ApiResult.From(error)
            : ApiResult.Ok(new PageView<ChannelView>([.. result.Value.Items.Select(e => ChannelView.From(e.Channel, e.State, keyStatus))], result.Value.Total, page, size), ManagementJsonContext.Default.PageViewChannelView);

    private static async Task<ApiResult> ModelsAsync(IChannelStore store, bool enabledOnly, CancellationToken ct)
    {
        var models = (await store.ListAsync(ct).ConfigureAwait(false))
            .Where(c => !enabledOnly || c.Status == ChannelStatus.Enabled)
            .SelectMany(static c => c.Models.Concat(c.ModelMapping.Keys))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return ApiResult.Ok(models, ManagementJsonContext.Default.ListString);
    }

    private static async Task<ApiResult> GetAsync(long id, HttpContext context, ChannelService service, ChannelKeyStatusRegistry keyStatus, CancellationToken ct) =>
        View(await service.GetAsync(context.CurrentUser(), id, ct).ConfigureAwait(false), keyStatus);

    private static ApiResult View(ManagementResult<ChannelEntry> result, ChannelKeyStatusRegistry keyStatus) =>
        result.Error is { } error ? ApiResult.From(error) : ApiResult.Ok(ChannelView.From(result.Value.Channel, result.Value.State, keyStatus), ManagementJsonContext.Default.ChannelView);

    private static async Task<ApiResult> CreateAsync(HttpContext context, ChannelService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var mode = body.String("mode", maxLength: 32) ?? "single";
        var fields = body.ChildOrSelf("channel");
        var changes = ChannelInput.Read(fields, creating: true);

        // Problems with the mode or the channel object come after the channel fields' own (both are in one body without "channel").
        var result = await service.CreateAsync(context.CurrentUser(), changes, mode, body.Error, ct).ConfigureAwait(false);
        return result.Error is { } error
            ? ApiResult.From(error)
            : ApiResult.Ok(result.Value.Select(static e => ChannelView.From(e.Channel, e.State)).ToList(), ManagementJsonContext.Default.ListChannelView);
    }

    private static async Task<ApiResult> UpdateAsync(HttpContext context, ChannelService service, ChannelKeyStatusRegistry keyStatus, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var id = body.Long("id", required: true, min: 1);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        var changes = ChannelInput.Read(body, creating: false);
        return View(await service.UpdateAsync(context.CurrentUser(), id!.Value, changes, ct).ConfigureAwait(false), keyStatus);
    }

    private static async Task<ApiResult> DeleteAsync(long id, HttpContext context, ChannelService service, CancellationToken ct) =>
        await service.DeleteAsync(context.CurrentUser(), id, ct).ConfigureAwait(false) is { } error ? ApiResult.From(error) : ApiResult.Ok();

    private static async Task<ApiResult> DeleteDisabledAsync(HttpContext context, ChannelService service, CancellationToken ct) =>
        Count(await service.DeleteDisabledAsync(context.CurrentUser(), ct).ConfigureAwait(false));

    private static async Task<ApiResult> DeleteBatchAsync(HttpContext context, ChannelService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var ids = body.LongList("ids", required: true);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        return Count(await service.DeleteManyAsync(context.CurrentUser(), ids!, ct).ConfigureAwait(false));
    }

    private static ApiResult Count(ManagementResult<long> result) => ApiResult.From(result, ManagementJsonContext.Default.Int64);

    private static async Task<ApiResult> CopyAsync(long id, HttpRequest request, IChannelStore store, IChannelStateStore stateStore, ChannelCatalogProvider catalog, TimeProvider time, CancellationToken ct)
    {
        var channel = await store.FindAsync(id, ct).ConfigureAwait(false);
        if (channel is null)
        {
            return ApiResult.NotFound("Channel");
        }

        var suffix = request.Query["suffix"].ToString();
        var copy = ChannelInput.Clone(channel);
        copy.Id = 0;
        copy.Source = null;
        copy.CreatedAt = time.GetUtcNow();
        copy.Name = channel.Name + (suffix.Length > 0 ? suffix : "_copy");
        if ((await store.ListAsync(ct).ConfigureAwait(false)).Any(c => c.Name == copy.Name))
        {
            return ApiResult.Fail($"Field 'suffix': a channel named '{copy.Name}' exists.", StatusCodes.Status409Conflict);
        }

        await store.AddAsync(copy, ct).ConfigureAwait(false);
        var state = await stateStore.FindAsync(id, ct).ConfigureAwait(false);
        if (state is not null)
        {
            state.ChannelId = copy.Id;
            state.TestedAt = null;
            state.ResponseTimeMs = 0;
            if (request.Query["reset_balance"] != "false")
            {
                state.Balance = 0;
                state.BalanceUpdatedAt = null;
            }

            await stateStore.SaveAsync(state, ct).ConfigureAwait(false);
        }

        await catalog.ReloadAsync(ct).ConfigureAwait(false);
        return ApiResult.Ok(ChannelView.From(copy, state), ManagementJsonContext.Default.ChannelView);
    }

    private static async Task<ApiResult> FixAsync(IChannelStore store, ChannelCatalogProvider catalog, CancellationToken ct)
    {
        await catalog.ReloadAsync(ct).ConfigureAwait(false);
        var count = (await store.ListAsync(ct).ConfigureAwait(false)).LongCount(static c => c.Status == ChannelStatus.Enabled);
        return ApiResult.Ok(count, ManagementJsonContext.Default.Int64, "The routing table was rebuilt from the stored channels.");
    }

    private static async Task<List<RelayChannel>> TaggedAsync(string tag, IChannelStore store, IChannelStateStore stateStore, CancellationToken ct)
    {
        var ids = (await stateStore.ListAsync(ct).ConfigureAwait(false)).Where(s => s.Tag == tag).Select(static s => s.ChannelId).ToHashSet();
        return [.. (await store.ListAsync(ct).ConfigureAwait(false)).Where(c => ids.Contains(c.Id))];
    }

    private static async Task<ApiResult> SetTagStatusAsync(HttpContext context, IChannelStore store, IChannelStateStore stateStore, ChannelCatalogProvider catalog, ChannelKeyStatusRegistry keyStatus, ChannelStatus status, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var tag = body.String("tag", required: true, maxLength: 64);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        var channels = await TaggedAsync(tag!, store, stateStore, ct).ConfigureAwait(false);
        foreach (var channel in channels)
        {
            channel.Status = status;
            await store.UpdateAsync(channel, ct).ConfigureAwait(false);
            if (status == ChannelStatus.Enabled)
            {
                keyStatus.Clear(channel.Id);
            }
        }

        await catalog.ReloadAsync(ct).ConfigureAwait(false);
        return ApiResult.Ok((long)channels.Count, ManagementJsonContext.Default.Int64);
    }

    private static async Task<ApiResult> EditTagAsync(HttpRequest request, IChannelStore store, IChannelStateStore stateStore, ChannelCatalogProvider catalog, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var tag = body.String("tag", required: true, maxLength: 64);
        var newTag = body.String("new_tag", maxLength: 64);
        var priority = body.Long("priority");
        var weight = body.Long("weight", min: 0, max: int.MaxValue);
        var models = body.StringList("models");
        var group = body.String("group", maxLength: 256);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        var channels = await TaggedAsync(tag!, store, stateStore, ct).ConfigureAwait(false);
        foreach (var channel in channels)
        {
            channel.Priority = priority ?? channel.Priority;
            channel.Weight = weight is null ? channel.Weight : (int)weight.Value;
            channel.Models = models ?? channel.Models;
            channel.Group = string.IsNullOrEmpty(group) ? channel.Group : group;
            await store.UpdateAsync(channel, ct).ConfigureAwait(false);
            if (newTag is not null)
            {
                var state = await stateStore.FindAsync(channel.Id, ct).ConfigureAwait(false) ?? new ChannelState { ChannelId = channel.Id };
                state.Tag = newTag;
                await stateStore.SaveAsync(state, ct).ConfigureAwait(false);
            }
        }

        await catalog.ReloadAsync(ct).ConfigureAwait(false);
        return ApiResult.Ok((long)channels.Count, ManagementJsonContext.Default.Int64);
    }

    private static async Task<ApiResult> TagModelsAsync(HttpRequest request, IChannelStore store, IChannelStateStore stateStore, CancellationToken ct)
    {
        var tag = request.Query["tag"].ToString().Trim();
        if (tag.Length == 0)
        {
            return ApiResult.Fail("Query parameter 'tag' is required.");
        }

        var models = (await TaggedAsync(tag, store, stateStore, ct).ConfigureAwait(false))
            .SelectMany(static c => c.Models).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return ApiResult.Ok(string.Join(',', models), ManagementJsonContext.Default.String);
    }

    private static async Task<ApiResult> BatchTagAsync(HttpRequest request, IChannelStore store, IChannelStateStore stateStore, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var ids = body.LongList("ids", required: true);
        var tag = body.String("tag", maxLength: 64) ?? "";
        if (body.Error is not null || ids!.Count == 0)
        {
            return ApiResult.Fail(body.Error ?? "Field 'ids' must not be empty.");
        }

        long tagged = 0;
        foreach (var id in ids)
        {
            if (await store.FindAsync(id, ct).ConfigureAwait(false) is null)
            {
                continue;
            }

            var state = await stateStore.FindAsync(id, ct).ConfigureAwait(false) ?? new ChannelState { ChannelId = id };
            state.Tag = tag;
            await stateStore.SaveAsync(state, ct).ConfigureAwait(false);
            tagged++;
        }

        return ApiResult.Ok(tagged, ManagementJsonContext.Default.Int64);
    }

    private static async Task<ApiResult> TestOneAsync(long id, HttpContext context, ChannelService service, CancellationToken ct) =>
        ApiResult.From(await service.TestAsync(context.CurrentUser(), id, context.Request.Query["model"], ct).ConfigureAwait(false), ManagementJsonContext.Default.ChannelTestView);

    private static async Task<ApiResult> TestAllAsync(HttpContext context, ChannelService service, CancellationToken ct)
    {
        var result = await service.TestAllAsync(context.CurrentUser(), ct).ConfigureAwait(false);
        return result.Error is { } error ? ApiResult.From(error) : ApiResult.Ok(result.Value.ToList(), ManagementJsonContext.Default.ListChannelTestView);
    }

    private static async Task<ApiResult> FetchModelsByIdAsync(long id, HttpContext context, ChannelService service, CancellationToken ct) =>
        Models(await service.FetchModelsAsync(context.CurrentUser(), id, null, null, null, ct).ConfigureAwait(false));

    private static async Task<ApiResult> FetchModelsAsync(HttpContext context, ChannelService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var baseUrl = body.String("base_url", required: true, maxLength: 2048);
        var key = body.String("key", required: true, maxLength: 8192);
        var type = ChannelInput.ReadType(body) ?? ChannelTypes.OpenAI;
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        // The channel being written in the form: asked in its own type's dialect, with the first key it lists.
        return Models(await service.FetchModelsAsync(context.CurrentUser(), null, type, baseUrl, key, ct).ConfigureAwait(false));
    }

    private static ApiResult Models(ManagementResult<IReadOnlyList<string>> result) =>
        result.Error is { } error ? ApiResult.From(error) : ApiResult.Ok(result.Value.ToList(), ManagementJsonContext.Default.ListString);

    private static async Task<ApiResult> UpdateBalanceAsync(long id, IChannelStore store, IChannelStateStore stateStore, ChannelTester tester, TimeProvider time, CancellationToken ct)
    {
        var channel = await store.FindAsync(id, ct).ConfigureAwait(false);
        if (channel is null)
        {
            return ApiResult.NotFound("Channel");
        }

        var (balance, error) = await tester.FetchBalanceAsync(channel, ct).ConfigureAwait(false);
        if (balance is null)
        {
            return ApiResult.Fail(error!, error!.StartsWith("Balance queries are not supported", StringComparison.Ordinal) ? StatusCodes.Status501NotImplemented : StatusCodes.Status502BadGateway);
        }

        var state = await stateStore.FindAsync(id, ct).ConfigureAwait(false) ?? new ChannelState { ChannelId = id };
        state.Balance = balance.Value;
        state.BalanceUpdatedAt = time.GetUtcNow();
        await stateStore.SaveAsync(state, ct).ConfigureAwait(false);
        return ApiResult.Ok(ChannelView.From(channel, state), ManagementJsonContext.Default.ChannelView);
    }

    private static async Task<ApiResult> UpdateAllBalancesAsync(IChannelStore store, IChannelStateStore stateStore, ChannelTester tester, TimeProvider time, CancellationToken ct)
    {
        long updated = 0;
        long unsupported = 0;
        foreach (var channel in await store.ListAsync(ct).ConfigureAwait(false))
        {
            var (balance, _) = await tester.FetchBalanceAsync(channel, ct).ConfigureAwait(false);
            if (balance is null)
            {
                unsupported++;
                continue;
            }

            var state = await stateStore.FindAsync(channel.Id, ct).ConfigureAwait(false) ?? new ChannelState { ChannelId = channel.Id };
            state.Balance = balance.Value;
            state.BalanceUpdatedAt = time.GetUtcNow();
            await stateStore.SaveAsync(state, ct).ConfigureAwait(false);
            updated++;
        }

        return ApiResult.Ok(updated, ManagementJsonContext.Default.Int64, $"{updated} balances updated; {unsupported} channels have no balance API or did not answer.");
    }

    private static async Task<ApiResult> ManageKeysAsync(HttpContext context, ChannelService service, ChannelKeyStatusRegistry keyStatus, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var id = body.Long("channel_id", required: true, min: 1);
        var action = body.String("action", required: true, maxLength: 32);
        var index = body.Long("key_index", min: 0, max: int.MaxValue);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        var actor = context.CurrentUser();
        if (action == "get_key_status")
        {
            var list = await service.KeyStatusAsync(actor, id!.Value, ct).ConfigureAwait(false);
            return list.Error is { } error ? ApiResult.From(error) : ApiResult.Ok(list.Value.ToList(), ManagementJsonContext.Default.ListKeyStatusView);
        }

        return View(await service.ManageKeysAsync(actor, id!.Value, action!, index, ct).ConfigureAwait(false), keyStatus);
    }

    private static async Task<ApiResult> RevealKeyAsync(long id, HttpContext context, IChannelStore store, ISecureVerification verification, CancellationToken ct)
    {
        var user = context.CurrentUser();
        if (await verification.VerifiedUntilAsync(user.Id, ct).ConfigureAwait(false) is null)
        {
            return ApiResult.Forbidden("Secure verification required: POST /api/verify with your password first.");
        }

        var channel = await store.FindAsync(id, ct).ConfigureAwait(false);
        if (channel is null)
        {
            return ApiResult.NotFound("Channel");
        }

        if (ChannelInput.KeyError(channel) is { } keyError)
        {
            return ApiResult.Fail(keyError, StatusCodes.Status409Conflict);
        }

        ManagementLog.ChannelKeyRevealed(Logger(context), user.Id, id);
        var data = new Dictionary<string, string>(StringComparer.Ordinal) { ["key"] = string.Join('\n', channel.Keys) };
        return ApiResult.Ok(data, ManagementJsonContext.Default.DictionaryStringString);
    }
}
