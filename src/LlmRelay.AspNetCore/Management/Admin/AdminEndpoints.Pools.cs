using System.Globalization;
using System.Text.Json.Nodes;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using LlmRelay.Management;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>Key pool (gateway tokens) and account pool (channels' upstream keys) routes, with real upstream tests.</summary>
internal static partial class AdminEndpoints
{
    private static void MapPools(IEndpointRouteBuilder secured)
    {
        secured.MapGet("/keys", ListKeysAsync);
        secured.MapPost("/keys", AddKeyAsync);
        secured.MapDelete("/keys/{key}", DeleteKeyAsync);
        secured.MapGet("/accounts", ListAccountsAsync);
        secured.MapPost("/accounts", AddAccountAsync);
        secured.MapDelete("/accounts/{identifier}", DeleteAccountAsync);
        secured.MapPost("/accounts/test", TestAccountAsync);
        secured.MapPost("/accounts/test-all", TestAllAccountsAsync);
    }

    /// <summary>The account identifier of an upstream key: channel id and the first 12 hex digits of its SHA-256, never the key.</summary>
    internal static string AccountId(long channelId, string key) =>
        string.Create(CultureInfo.InvariantCulture, $"{channelId}:{ApiKeys.Hash(key.Trim())[..12]}");

    private static async Task<long> CountKeysAsync(ITokenStore tokens, CancellationToken ct) =>
        (await tokens.QueryAsync(new PageQuery { Page = 1, PageSize = 1 }, ct).ConfigureAwait(false)).Total;

    private static JsonObject KeyView(ApiToken token) => new()
    {
        ["id"] = token.Id,
        ["name"] = token.Name,
        ["key_preview"] = token.KeyHint,
        ["status"] = (int)token.Status,
        ["user_id"] = token.UserId,
        ["group"] = token.Group,
        ["unlimited_quota"] = token.UnlimitedQuota,
        ["remain_quota"] = token.RemainQuota,
        ["used_quota"] = token.UsedQuota,
        ["expires_at"] = token.ExpiresAt?.ToUnixTimeSeconds() ?? 0,
    };

    /// <summary>A gateway key added through the admin API: unlimited unless a quota is given, in the default group unless another is named.</summary>
    private static ApiToken NewKey(string key, string? name, bool? unlimited, long? remain, string? group, TimeProvider time) => new()
    {
        Name = string.IsNullOrEmpty(name) ? "admin-" + ApiKeys.Mask(key) : name,
        KeyHash = ApiKeys.Hash(key),
        KeyHint = ApiKeys.Mask(key),
        UnlimitedQuota = unlimited ?? remain is null,
        RemainQuota = remain ?? 0,
        Group = string.IsNullOrEmpty(group) ? RelayGroups.Default : group,
        Source = "admin",
        CreatedAt = time.GetUtcNow(),
    };

    private static async Task<IResult> ListKeysAsync(HttpRequest request, ITokenStore tokens, CancellationToken ct)
    {
        var (page, size, error) = Paging(request);
        if (error is not null)
        {
            return AdminResults.Detail(error);
        }

        var result = await tokens.QueryAsync(new PageQuery { Page = page, PageSize = size }, ct).ConfigureAwait(false);
        return AdminResults.Json(Paged(new JsonArray([.. result.Items.Select(static t => (JsonNode)KeyView(t))]), result.Total, page, size));
    }

    private static async Task<IResult> AddKeyAsync(HttpContext context, ITokenStore tokens, TokenCache cache, TimeProvider time, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var key = body.String("key", maxLength: 256);
        var name = body.String("name", maxLength: 64);
        var unlimited = body.Bool("unlimited_quota");
        var remain = body.Long("remain_quota", min: 0);
        var group = body.String("group", maxLength: 64);
        if (body.Error is not null)
        {
            return AdminResults.Detail(body.Error);
        }

        if (key is { Length: < 8 })
        {
            return AdminResults.Detail("Field 'key' must be at least 8 characters, or left out to generate one.");
        }

        var generated = key is null;
        key ??= ApiKeys.Generate();
        var hash = ApiKeys.Hash(key);
        if (await tokens.FindByKeyHashAsync(hash, ct).ConfigureAwait(false) is not null)
        {
            return AdminResults.Detail("This key exists already.", StatusCodes.Status409Conflict);
        }

        var token = NewKey(key, name, unlimited, remain, group, time);
        await tokens.AddAsync(token, ct).ConfigureAwait(false);
        cache.Clear();
        AdminLog.Changed(Logger(context), "added", "key", token.Id.ToString(CultureInfo.InvariantCulture));
        var answer = new JsonObject
        {
            ["success"] = true,
            ["total_keys"] = await CountKeysAsync(tokens, ct).ConfigureAwait(false),
            ["id"] = token.Id,
            ["key_preview"] = token.KeyHint,
        };
        if (generated)
        {
            // The creation answer is the only place a generated key is ever shown, as with POST /api/token/.
            answer["key"] = key;
        }

        return AdminResults.Json(answer);
    }

    private static async Task<IResult> DeleteKeyAsync(string key, HttpContext context, ITokenStore tokens, TokenCache cache, CancellationToken ct)
    {
        var token = await tokens.FindByKeyHashAsync(ApiKeys.Hash(key.Trim()), ct).ConfigureAwait(false);
        if (token is null && long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            token = await tokens.FindAsync(id, ct).ConfigureAwait(false);
        }

        if (token is null)
        {
            return AdminResults.NotFound("Key");
        }

        await tokens.DeleteAsync([token.Id], null, ct).ConfigureAwait(false);
        cache.Clear();
        AdminLog.Changed(Logger(context), "deleted", "key", token.Id.ToString(CultureInfo.InvariantCulture));
        return AdminResults.Json(new JsonObject { ["success"] = true, ["total_keys"] = await CountKeysAsync(tokens, ct).ConfigureAwait(false) });
    }

    private static async Task<List<(RelayChannel Channel, string Key, bool Enabled)>> AccountsAsync(IChannelStore channels, IChannelStateStore states, CancellationToken ct)
    {
        var disabled = (await states.ListAsync(ct).ConfigureAwait(false)).ToDictionary(static s => s.ChannelId, static s => s.DisabledKeys);
        var list = new List<(RelayChannel, string, bool)>();
        foreach (var channel in await channels.ListAsync(ct).ConfigureAwait(false))
        {
            list.AddRange(channel.Keys.Select(k => (channel, k, channel.Status == ChannelStatus.Enabled)));
            if (disabled.TryGetValue(channel.Id, out var keys))
            {
                list.AddRange(keys.Select(k => (channel, k, false)));
            }
        }

        return list;
    }

    private static JsonObject AccountView(RelayChannel channel, string key, bool enabled) => new()
    {
        ["identifier"] = AccountId(channel.Id, key),
        ["channel_id"] = channel.Id,
        ["channel_name"] = channel.Name,
        ["channel_type"] = channel.Type,
        ["key_preview"] = ApiKeys.Mask(key),
        ["has_token"] = true,
        ["enabled"] = enabled,
    };

    private static async Task<IResult> ListAccountsAsync(HttpRequest request, IChannelStore channels, IChannelStateStore states, CancellationToken ct)
    {
        var (page, size, error) = Paging(request);
        if (error is not null)
        {
            return AdminResults.Detail(error);
        }

        var all = await AccountsAsync(channels, states, ct).ConfigureAwait(false);
        var items = all.Skip((page - 1) * size).Take(size).Select(static a => (JsonNode)AccountView(a.Channel, a.Key, a.Enabled));
        return AdminResults.Json(Paged(new JsonArray([.. items]), all.Count, page, size));
    }

    private static async Task<RelayChannel?> FindChannelAsync(JsonBody body, IChannelStore channels, CancellationToken ct)
    {
        var id = body.Long("channel_id", min: 1);
        var name = body.String("channel", maxLength: 256);
        if (id is { } channelId)
        {
            return await channels.FindAsync(channelId, ct).ConfigureAwait(false);
        }

        return name is null ? null : (await channels.ListAsync(ct).ConfigureAwait(false)).FirstOrDefault(c => c.Name == name);
    }

    private static async Task<IResult> AddAccountAsync(HttpContext context, IChannelStore channels, IChannelStateStore states, ChannelCatalogProvider catalog, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var key = body.String("key", required: true, maxLength: 8192);
        if (body.Error is null && !body.Has("channel_id") && !body.Has("channel"))
        {
            body.Report("Field 'channel_id' (or 'channel', the channel name) is required.");
        }

        var channel = body.Error is null ? await FindChannelAsync(body, channels, ct).ConfigureAwait(false) : null;
        if (body.Error is not null)
        {
            return AdminResults.Detail(body.Error);
        }

        if (channel is null)
        {
            return AdminResults.NotFound("Channel");
        }

        var all = await AccountsAsync(channels, states, ct).ConfigureAwait(false);
        if (all.Any(a => a.Channel.Id == channel.Id && a.Key.Trim() == key))
        {
            return AdminResults.Detail("The channel has this key already.", StatusCodes.Status409Conflict);
        }

        channel.Keys.Add(key!);
        await channels.UpdateAsync(channel, ct).ConfigureAwait(false);
        await catalog.ReloadAsync(ct).ConfigureAwait(false);
        var identifier = AccountId(channel.Id, key!);
        AdminLog.Changed(Logger(context), "added", "account", identifier);
        return AdminResults.Json(new JsonObject { ["success"] = true, ["total_accounts"] = all.Count + 1, ["identifier"] = identifier });
    }

    private static async Task<(RelayChannel Channel, string Key, bool Enabled)?> FindAccountAsync(string identifier, IChannelStore channels, IChannelStateStore states, CancellationToken ct)
    {
        foreach (var account in await AccountsAsync(channels, states, ct).ConfigureAwait(false))
        {
            if (AccountId(account.Channel.Id, account.Key) == identifier)
            {
                return account;
            }
        }

        return null;
    }

    private static async Task<IResult> DeleteAccountAsync(string identifier, HttpContext context, IChannelStore channels, IChannelStateStore states, ChannelCatalogProvider catalog, CancellationToken ct)
    {
        if (await FindAccountAsync(identifier, channels, states, ct).ConfigureAwait(false) is not { } account)
        {
            return AdminResults.NotFound("Account");
        }

        var channel = account.Channel;
        if (channel.Keys.Contains(account.Key))
        {
            if (channel.Keys.Count == 1)
            {
                return AdminResults.Detail("This is the channel's last key; delete the channel instead (DELETE /api/channel/{id}).", StatusCodes.Status409Conflict);
            }

            channel.Keys.Remove(account.Key);
            await channels.UpdateAsync(channel, ct).ConfigureAwait(false);
        }
        else if (await states.FindAsync(channel.Id, ct).ConfigureAwait(false) is { } state)
        {
            state.DisabledKeys.Remove(account.Key);
            await states.SaveAsync(state, ct).ConfigureAwait(false);
        }

        await catalog.ReloadAsync(ct).ConfigureAwait(false);
        AdminLog.Changed(Logger(context), "deleted", "account", identifier);
        var total = (await AccountsAsync(channels, states, ct).ConfigureAwait(false)).Count;
        return AdminResults.Json(new JsonObject { ["success"] = true, ["total_accounts"] = total });
    }

    private static async Task<JsonObject> TestOneAsync(RelayChannel channel, string key, string? model, ChannelTester tester, CancellationToken ct)
    {
        // The existing channel test, on a copy of the channel that holds only this key.
        var single = ChannelInput.Clone(channel);
        single.Id = channel.Id;
        single.Keys = [key];
        var result = await tester.TestAsync(single, model, ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["account"] = AccountId(channel.Id, key),
            ["channel_id"] = channel.Id,
            ["success"] = result.Success,
            ["response_time"] = result.ResponseTime,
            ["message"] = result.Success ? "The upstream answered a one-token chat call." : result.Message,
            ["model"] = result.Model,
        };
    }

    private static async Task<IResult> TestAccountAsync(HttpContext context, IChannelStore channels, IChannelStateStore states, ChannelTester tester, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var identifier = body.String("identifier", required: true, maxLength: 128);
        var model = body.String("model", maxLength: 256);
        if (body.Error is not null)
        {
            return AdminResults.Detail(body.Error);
        }

        return await FindAccountAsync(identifier!, channels, states, ct).ConfigureAwait(false) is { } account
            ? AdminResults.Json(await TestOneAsync(account.Channel, account.Key, model, tester, ct).ConfigureAwait(false))
            : AdminResults.NotFound("Account");
    }

    private static async Task<IResult> TestAllAccountsAsync(HttpContext context, IChannelStore channels, IChannelStateStore states, ChannelTester tester, CancellationToken ct)
    {
        string? model = null;
        if (context.Request.ContentLength is > 0)
        {
            using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
            model = body.String("model", maxLength: 256);
            if (body.Error is not null)
            {
                return AdminResults.Detail(body.Error);
            }
        }

        var results = new JsonArray();
        var success = 0;
        foreach (var account in (await AccountsAsync(channels, states, ct).ConfigureAwait(false)).Where(static a => a.Enabled))
        {
            var result = await TestOneAsync(account.Channel, account.Key, model, tester, ct).ConfigureAwait(false);
            success += result["success"]!.GetValue<bool>() ? 1 : 0;
            results.Add(result);
        }

        return AdminResults.Json(new JsonObject { ["total"] = results.Count, ["success"] = success, ["failed"] = results.Count - success, ["results"] = results });
    }
}
