using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using LlmRelay.Client;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.AI;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>Batch routes of the seed: <c>POST /admin/import</c> (keys and accounts), <c>POST /admin/test</c> (a chat call through the gateway) and <c>GET /admin/export</c>.</summary>
/// <remarks>
/// <code>
/// POST /admin/import {"keys": ["sk-..." | {"key","name","group","unlimited_quota","remain_quota"}],
///                     "accounts": [{"channel_id" | "channel", "key" | "token"}]}
///   every item checked first ─► any error: 400 {"detail"}, nothing changed
///   keys and accounts already present are skipped ─► {"success","imported_keys","imported_accounts","skipped_keys","skipped_accounts"}
/// POST /admin/test {"model"?, "message"?, "api_key"?} ─► RelayChatClient (the relay pipeline, in process)
///   ─► {"success","status_code","model","response_time","response" | "error"}
/// GET /admin/export ─► {"json","base64","secrets_included"} (as /admin/config/export without the object)
/// </code>
/// </remarks>
internal static partial class AdminEndpoints
{
    private const string DefaultTestMessage = "Hello";

    private static void MapBatch(IEndpointRouteBuilder secured)
    {
        secured.MapPost("/import", BatchImportAsync);
        secured.MapPost("/test", TestApiAsync);
        secured.MapGet("/export", static (HttpContext h, IChannelStore c, ITokenStore t, CancellationToken ct) => ExportAsync(h, c, t, withConfig: false, ct));
    }

    private static async Task<IResult> BatchImportAsync(
        HttpContext context,
        IChannelStore channels,
        IChannelStateStore states,
        ITokenStore tokens,
        ChannelCatalogProvider catalog,
        TokenCache cache,
        TimeProvider time,
        CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        if (body.Error is not null)
        {
            return AdminResults.Detail(body.Error);
        }

        if (!body.Has("keys") && !body.Has("accounts"))
        {
            return AdminResults.Detail("Give 'keys' (gateway keys) and/or 'accounts' (upstream keys of channels) to import.");
        }

        var errors = new List<string>();
        var keys = ParseImportKeys(body.Root, errors);
        var accounts = ParseImportAccounts(body.Root, errors);
        if (errors.Count > 0)
        {
            return AdminResults.Detail(errors[0]);
        }

        // Every account's channel must exist before anything is written.
        var byId = (await channels.ListAsync(ct).ConfigureAwait(false)).ToDictionary(static c => c.Id);
        var targets = new List<(RelayChannel Channel, string Key)>();
        for (var i = 0; i < accounts.Count; i++)
        {
            var (id, name, key) = accounts[i];
            var channel = id is { } channelId ? byId.GetValueOrDefault(channelId) : byId.Values.FirstOrDefault(c => c.Name == name);
            if (channel is null)
            {
                return AdminResults.Detail($"Field 'accounts[{i}]': channel {(id is { } n ? n.ToString(CultureInfo.InvariantCulture) : "'" + name + "'")} does not exist.");
            }

            targets.Add((channel, key));
        }

        int importedKeys = 0, skippedKeys = 0;
        foreach (var (key, name, group, unlimited, remain) in keys)
        {
            if (await tokens.FindByKeyHashAsync(ApiKeys.Hash(key), ct).ConfigureAwait(false) is not null)
            {
                skippedKeys++;
                continue;
            }

            await tokens.AddAsync(NewKey(key, name, unlimited, remain, group, time), ct).ConfigureAwait(false);
            importedKeys++;
        }

        int importedAccounts = 0, skippedAccounts = 0;
        var existing = (await AccountsAsync(channels, states, ct).ConfigureAwait(false)).Select(static a => (a.Channel.Id, a.Key.Trim())).ToHashSet();
        var changed = new Dictionary<long, RelayChannel>();
        foreach (var (channel, key) in targets)
        {
            if (!existing.Add((channel.Id, key)))
            {
                skippedAccounts++;
                continue;
            }

            channel.Keys.Add(key);
            changed[channel.Id] = channel;
            importedAccounts++;
        }

        foreach (var channel in changed.Values)
        {
            await channels.UpdateAsync(channel, ct).ConfigureAwait(false);
        }

        if (changed.Count > 0)
        {
            await catalog.ReloadAsync(ct).ConfigureAwait(false);
        }

        if (importedKeys > 0)
        {
            cache.Clear();
        }

        AdminLog.BatchImported(Logger(context), importedKeys, skippedKeys, importedAccounts, skippedAccounts);
        return AdminResults.Json(new JsonObject
        {
            ["success"] = true,
            ["imported_keys"] = importedKeys,
            ["imported_accounts"] = importedAccounts,
            ["skipped_keys"] = skippedKeys,
            ["skipped_accounts"] = skippedAccounts,
            ["total_keys"] = await CountKeysAsync(tokens, ct).ConfigureAwait(false),
            ["total_accounts"] = (await AccountsAsync(channels, states, ct).ConfigureAwait(false)).Count,
        });
    }

    private static List<(string Key, string? Name, string? Group, bool? Unlimited, long? Remain)> ParseImportKeys(JsonElement root, List<string> errors)
    {
        var list = new List<(string, string?, string?, bool?, long?)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (at, item) in ArrayItems(root, "keys", errors))
        {
            string? key, name = null, group = null;
            bool? unlimited = null;
            long? remain = null;
            if (item.ValueKind == JsonValueKind.String)
            {
                key = item.GetString()!.Trim();
            }
            else if (item.ValueKind == JsonValueKind.Object)
            {
                key = Text(item, "key", at, errors, required: true);
                name = Text(item, "name", at, errors);
                group = Text(item, "group", at, errors);
                unlimited = Flag(item, "unlimited_quota", at, errors);
                remain = Number(item, "remain_quota", at, errors);
                if (remain is < 0)
                {
                    errors.Add($"Field '{at}.remain_quota' must not be negative.");
                }

                if (name is { Length: > 64 } || group is { Length: > 64 })
                {
                    errors.Add($"Field '{at}': 'name' and 'group' must be at most 64 characters.");
                }
            }
            else
            {
                errors.Add($"Field '{at}' must be a key (string) or an object with 'key'.");
                continue;
            }

            if (key is null)
            {
                continue;
            }

            if (key.Length is < 8 or > 256)
            {
                errors.Add($"Field '{at}': a gateway key must be 8 to 256 characters.");
            }
            else if (seen.Add(key))
            {
                list.Add((key, name, group, unlimited, remain));
            }
        }

        return list;
    }

    private static List<(long? ChannelId, string? Channel, string Key)> ParseImportAccounts(JsonElement root, List<string> errors)
    {
        var list = new List<(long?, string?, string)>();
        var seen = new HashSet<(long?, string?, string)>();
        foreach (var (at, item) in ArrayItems(root, "accounts", errors))
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"Field '{at}' must be an object with 'channel_id' (or 'channel') and 'key'.");
                continue;
            }

            var id = Number(item, "channel_id", at, errors);
            var channel = Text(item, "channel", at, errors);
            var key = Text(item, "key", at, errors) ?? Text(item, "token", at, errors);
            if (id is null && channel is null)
            {
                errors.Add($"Field '{at}.channel_id' (or '{at}.channel', the channel name) is required.");
            }

            if (key is null)
            {
                errors.Add($"Field '{at}.key' (the upstream key) is required.");
            }
            else if (key.Length > 8192 || IsMasked(key))
            {
                errors.Add($"Field '{at}.key' must be a whole upstream key (not masked, at most 8192 characters).");
            }
            else if (id is not null || channel is not null)
            {
                if (seen.Add((id, channel, key)))
                {
                    list.Add((id, channel, key));
                }
            }
        }

        return list;
    }

    private static async Task<IResult> TestApiAsync(HttpContext context, ChannelCatalogProvider catalog, TokenCache tokens, TimeProvider time, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var model = body.String("model", maxLength: 256);
        var message = body.String("message", maxLength: 4096);
        var apiKey = body.String("api_key", maxLength: 256);
        if (body.Error is not null)
        {
            return AdminResults.Detail(body.Error);
        }

        // Gateway keys are stored as hashes, so "the first configured key" of the seed cannot be read back: without
        // api_key the call runs as the in-process identity (unlimited, group "default", logged as "in-process").
        var group = RelayGroups.Default;
        if (!string.IsNullOrEmpty(apiKey) && await tokens.FindAsync(apiKey, ct).ConfigureAwait(false) is { } token)
        {
            group = token.Group;
        }

        if (string.IsNullOrEmpty(model))
        {
            var served = catalog.Current.ModelsOf(group);
            if (served.Count == 0)
            {
                return AdminResults.Detail($"No channel serves group '{group}'; add a channel, or name the model in 'model'.");
            }

            model = served[0];
        }

        using var client = new RelayChatClient(context.RequestServices, new RelayChatClientOptions { TokenKey = string.IsNullOrEmpty(apiKey) ? null : apiKey });
        var started = time.GetTimestamp();
        JsonObject answer;
        try
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, string.IsNullOrEmpty(message) ? DefaultTestMessage : message)], new ChatOptions { ModelId = model }, ct).ConfigureAwait(false);
            answer = new JsonObject
            {
                ["success"] = true,
                ["status_code"] = StatusCodes.Status200OK,
                ["model"] = model,
                ["response_time"] = (long)time.GetElapsedTime(started).TotalMilliseconds,
                ["response"] = new JsonObject
                {
                    ["id"] = response.ResponseId,
                    ["model"] = response.ModelId,
                    ["content"] = response.Text,
                    ["finish_reason"] = response.FinishReason?.Value,
                    ["usage"] = new JsonObject
                    {
                        ["prompt_tokens"] = response.Usage?.InputTokenCount,
                        ["completion_tokens"] = response.Usage?.OutputTokenCount,
                        ["total_tokens"] = response.Usage?.TotalTokenCount,
                    },
                },
            };
        }
        catch (RelayChatClientException e)
        {
            var text = string.IsNullOrEmpty(apiKey) ? e.Message : e.Message.Replace(apiKey, ApiKeys.Mask(apiKey), StringComparison.Ordinal);
            answer = new JsonObject
            {
                ["success"] = false,
                ["status_code"] = e.StatusCode,
                ["model"] = model,
                ["response_time"] = (long)time.GetElapsedTime(started).TotalMilliseconds,
                ["error"] = new JsonObject { ["code"] = e.ErrorCode, ["message"] = text },
            };
        }

        return AdminResults.Json(answer);
    }
}
