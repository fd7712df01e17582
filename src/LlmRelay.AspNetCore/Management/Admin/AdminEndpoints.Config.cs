using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.Management;
using LlmRelay.Channels;
using LlmRelay.Providers;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>Config routes: read (masked), export and import (merge or replace) of what an operator edits at run time.</summary>
/// <remarks>
/// <code>
/// {"channels": [{"name","type","base_url","keys":[...],"models":[...],"model_mapping":{},"group","priority","weight","enabled",
///                "connect_timeout_ms","first_byte_timeout_ms","idle_timeout_ms"}],
///  "tokens":   [{"name","key" | "key_hash","key_preview","unlimited_quota","remain_quota","models":[...],"allow_ips":[...],"group","enabled","expires_at"}],
///  "options":  {"QuotaPerUnit": "500000", "ModelRatio": "{...}", "GroupSelectionPolicies": "{...}", ...},   (export and import only)
///  "settings": {"admin": {...}, "runtime": {...}, "dev_captures": {...}}}                              (export and import only)
/// </code>
/// Gateway keys are stored only as SHA-256, so exports carry <c>key_hash</c>, which an import restores as is. Upstream keys
/// are masked unless <c>?include_secrets=true</c>; a masked key in an import keeps the channel's stored keys.
/// <para>
/// Issue #15: an export carries everything edited at run time, so importing it into a fresh gateway gives the same behaviour:
/// the stored channels and tokens, every system option (<c>/api/option/</c>'s, pricing and group selection policies included,
/// and the prefill groups, model metadata and vendors), and the hot-reloadable settings of <c>PUT /admin/settings</c>, which an
/// import applies as that route does (until the process restarts). Options are checked by their definitions, as
/// <c>PUT /api/option/</c> checks them, before anything is written. Start-up configuration (<c>LlmRelay:*</c>: CORS, model aliases
/// and families, <c>AnthropicDefaultMaxTokens</c>, configured pricing, the admin key, ...) is not in it: it travels with the
/// configuration files. Users, their sessions and usage logs are not in it either.
/// </para>
/// </remarks>
internal static partial class AdminEndpoints
{
    private static void MapConfig(IEndpointRouteBuilder secured)
    {
        secured.MapGet("/config", static (IChannelStore c, ITokenStore t, AdminRuntimeSettings r, CancellationToken ct) => GetConfigAsync(c, t, r, ct));
        secured.MapPost("/config", static (HttpContext h, IChannelStore c, IChannelStateStore s, ITokenStore t, ChannelCatalogProvider p, TokenCache k, TimeProvider time, CancellationToken ct) => ImportAsync(h, c, s, t, p, k, time, ct));
        secured.MapGet("/config/export", static (HttpContext h, IChannelStore c, ITokenStore t, CancellationToken ct) => ExportAsync(h, c, t, withConfig: true, ct));
        secured.MapPost("/config/import", ImportAsync);
    }

    private static async Task<List<ApiToken>> AllTokensAsync(ITokenStore tokens, CancellationToken ct)
    {
        var all = new List<ApiToken>();
        for (var page = 1; ; page++)
        {
            var result = await tokens.QueryAsync(new PageQuery { Page = page, PageSize = 1000 }, ct).ConfigureAwait(false);
            all.AddRange(result.Items);
            if (result.Items.Count == 0 || all.Count >= result.Total)
            {
                return all;
            }
        }
    }

    private static async Task<JsonObject> ConfigAsync(IChannelStore channels, ITokenStore tokens, bool secrets, bool forImport, CancellationToken ct)
    {
        var channelList = new JsonArray();
        foreach (var c in await channels.ListAsync(ct).ConfigureAwait(false))
        {
            var mapping = new JsonObject();
            foreach (var (alias, model) in c.ModelMapping)
            {
                mapping[alias] = model;
            }

            channelList.Add(new JsonObject
            {
                ["id"] = forImport ? null : c.Id,
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["base_url"] = c.BaseUrl,
                ["keys"] = Strings(secrets ? c.Keys : c.Keys.Select(ApiKeys.Mask)),
                ["models"] = Strings(c.Models),
                ["model_mapping"] = mapping,
                ["group"] = c.Group,
                ["priority"] = c.Priority,
                ["weight"] = c.Weight,
                ["enabled"] = c.Status == ChannelStatus.Enabled,
                ["connect_timeout_ms"] = Milliseconds(c.ConnectTimeout),
                ["first_byte_timeout_ms"] = Milliseconds(c.FirstByteTimeout),
                ["idle_timeout_ms"] = Milliseconds(c.IdleTimeout),
                ["tool_call_sieve"] = c.ToolCallSieve,
                ["model_capabilities"] = JsonSerializer.SerializeToNode(ChannelCapabilityInput.ToView(c.ModelCapabilities), ManagementJsonContext.Default.DictionaryStringModelCapabilityView),
            });
        }

        var tokenList = new JsonArray();
        foreach (var t in await AllTokensAsync(tokens, ct).ConfigureAwait(false))
        {
            tokenList.Add(new JsonObject
            {
                ["id"] = forImport ? null : t.Id,
                ["user_id"] = t.UserId,
                ["name"] = t.Name,
                ["key_hash"] = forImport ? t.KeyHash : null,
                ["key_preview"] = t.KeyHint,
                ["unlimited_quota"] = t.UnlimitedQuota,
                ["remain_quota"] = t.RemainQuota,
                ["models"] = Strings(t.Models),
                ["allow_ips"] = Strings(t.AllowIps),
                ["group"] = t.Group,
                ["enabled"] = t.Status != TokenStatus.Disabled,
                ["expires_at"] = t.ExpiresAt?.ToUnixTimeSeconds() ?? 0,
            });
        }

        return new JsonObject { ["channels"] = channelList, ["tokens"] = tokenList };
    }

    private static async Task<IResult> GetConfigAsync(IChannelStore channels, ITokenStore tokens, AdminRuntimeSettings runtime, CancellationToken ct)
    {
        var config = await ConfigAsync(channels, tokens, secrets: false, forImport: false, ct).ConfigureAwait(false);
        var aliases = new JsonObject();
        foreach (var (alias, model) in runtime.Current.ModelAliases)
        {
            aliases[alias] = model;
        }

        config["model_aliases"] = aliases;
        return AdminResults.Json(config);
    }

    /// <summary><c>GET /admin/config/export</c> (<paramref name="withConfig"/>: the config object too) and <c>GET /admin/export</c> (JSON text and Base64 only).</summary>
    private static async Task<IResult> ExportAsync(HttpContext context, IChannelStore channels, ITokenStore tokens, bool withConfig, CancellationToken ct)
    {
        var secrets = string.Equals(context.Request.Query["include_secrets"], "true", StringComparison.OrdinalIgnoreCase);
        var config = await ConfigAsync(channels, tokens, secrets, forImport: true, ct).ConfigureAwait(false);
        var options = new JsonObject();
        var settings = context.RequestServices.GetRequiredService<SystemSettings>();
        foreach (var key in SystemSettings.Definitions.Keys.Order(StringComparer.Ordinal))
        {
            options[key] = await settings.GetAsync(key, ct).ConfigureAwait(false);
        }

        config["options"] = options;
        config["settings"] = ExportedSettings(context.RequestServices.GetRequiredService<AdminCredentials>(), context.RequestServices.GetRequiredService<AdminRuntimeSettings>());
        if (secrets)
        {
            AdminLog.SecretsExported(Logger(context));
        }

        var json = config.ToJsonString(new JsonSerializerOptions { TypeInfoResolver = AdminJsonContext.Default });
        var answer = new JsonObject
        {
            ["config"] = config,
            ["json"] = json,
            ["base64"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(json)),
            ["secrets_included"] = secrets,
        };
        if (!withConfig)
        {
            answer.Remove("config");
        }

        return AdminResults.Json(answer);
    }

    private static bool IsMasked(string key) => key.Contains("...", StringComparison.Ordinal) || key == "***";

    private static async Task<IResult> ImportAsync(
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

        var root = body.Root;
        var container = body;
        var mode = context.Request.Query["mode"].ToString();
        if (Element(body, "config") is { ValueKind: JsonValueKind.Object } wrapped)
        {
            mode = body.String("mode", maxLength: 16) ?? (mode.Length > 0 ? mode : "merge");
            root = wrapped;
            container = body.ChildOrSelf("config");
        }

        mode = mode.Length == 0 ? "merge" : mode.ToLowerInvariant();
        if (mode is not ("merge" or "replace"))
        {
            return AdminResults.Detail("Field 'mode' must be merge or replace.");
        }

        var errors = new List<string>();
        var importedChannels = ParseChannels(root, errors, context.RequestServices.GetRequiredService<OutboundAddressPolicy>());
        var importedTokens = ParseTokens(root, errors);
        var settings = context.RequestServices.GetRequiredService<SystemSettings>();
        var importedOptions = ParseOptions(root, errors, settings);
        if (errors.Count > 0)
        {
            return AdminResults.Detail(errors[0]);
        }

        AdminSettingsChange? settingsChange = null;
        if (container.Has("settings"))
        {
            var settingsPart = container.ChildOrSelf("settings");
            if (container.Error is not null)
            {
                return AdminResults.Detail(container.Error);
            }

            if (ReadSettings(settingsPart, out var change) is { } refusal)
            {
                return refusal;
            }

            settingsChange = change;
        }

        var existingChannels = (await channels.ListAsync(ct).ConfigureAwait(false)).ToDictionary(static c => c.Name, StringComparer.Ordinal);
        foreach (var (channel, keys) in importedChannels)
        {
            if (!existingChannels.ContainsKey(channel.Name) && keys.Count == 0)
            {
                return AdminResults.Detail($"Channel '{channel.Name}' is new, so it needs real upstream keys (masked keys only keep an existing channel's keys).");
            }
        }

        int added = 0, updated = 0, removed = 0;
        var now = time.GetUtcNow();
        foreach (var (channel, keys) in importedChannels)
        {
            if (existingChannels.TryGetValue(channel.Name, out var existing))
            {
                existing.Type = channel.Type;
                existing.BaseUrl = channel.BaseUrl;
                existing.Models = channel.Models;
                existing.ModelMapping = channel.ModelMapping;
                existing.Group = channel.Group;
                existing.Priority = channel.Priority;
                existing.Weight = channel.Weight;
                existing.ToolCallSieve = channel.ToolCallSieve;
                existing.ModelCapabilities = channel.ModelCapabilities;
                existing.Status = channel.Status == ChannelStatus.Enabled ? ChannelStatus.Enabled : ChannelStatus.ManuallyDisabled;
                existing.ConnectTimeout = channel.ConnectTimeout;
                existing.FirstByteTimeout = channel.FirstByteTimeout;
                existing.IdleTimeout = channel.IdleTimeout;
                if (keys.Count > 0)
                {
                    existing.Keys = keys;
                }

                await channels.UpdateAsync(existing, ct).ConfigureAwait(false);
                updated++;
            }
            else
            {
                channel.Keys = keys;
                channel.CreatedAt = now;
                channel.Source = "admin";
                await channels.AddAsync(channel, ct).ConfigureAwait(false);
                added++;
            }
        }

        if (mode == "replace")
        {
            var keep = importedChannels.Select(static c => c.Channel.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in existingChannels.Values.Where(c => !keep.Contains(c.Name)))
            {
                await channels.DeleteAsync(stale.Id, ct).ConfigureAwait(false);
                await states.DeleteAsync(stale.Id, ct).ConfigureAwait(false);
                removed++;
            }
        }

        int tokensAdded = 0, tokensUpdated = 0, tokensRemoved = 0;
        var existingTokens = (await AllTokensAsync(tokens, ct).ConfigureAwait(false)).ToDictionary(static t => t.KeyHash, StringComparer.Ordinal);
        foreach (var token in importedTokens)
        {
            if (existingTokens.TryGetValue(token.KeyHash, out var existing))
            {
                existing.Name = token.Name;
                existing.UnlimitedQuota = token.UnlimitedQuota;
                existing.RemainQuota = token.RemainQuota;
                existing.Models = token.Models;
                existing.AllowIps = token.AllowIps;
                existing.Group = token.Group;
                existing.Status = token.Status;
                existing.ExpiresAt = token.ExpiresAt;
                await tokens.UpdateAsync(existing, ct).ConfigureAwait(false);
                tokensUpdated++;
            }
            else
            {
                token.CreatedAt = now;
                token.Source = "admin";
                await tokens.AddAsync(token, ct).ConfigureAwait(false);
                tokensAdded++;
            }
        }

        if (mode == "replace")
        {
            // Users' own tokens are never removed by an import; only unowned keys (configuration, admin) are replaced.
            var keep = importedTokens.Select(static t => t.KeyHash).ToHashSet(StringComparer.Ordinal);
            var stale = existingTokens.Values.Where(t => t.UserId == 0 && !keep.Contains(t.KeyHash)).Select(static t => t.Id).ToList();
            tokensRemoved = stale.Count == 0 ? 0 : await tokens.DeleteAsync(stale, null, ct).ConfigureAwait(false);
        }

        if (importedOptions.Count > 0)
        {
            // Checked above by each option's definition; stored and published at once (pricing, selection policies, usable groups).
            await settings.SetAsync(importedOptions, ct).ConfigureAwait(false);
        }

        var appliedSettings = settingsChange is null
            ? []
            : ApplySettings(context, settingsChange, context.RequestServices.GetRequiredService<AdminCredentials>(), context.RequestServices.GetRequiredService<AdminRuntimeSettings>());
        await catalog.ReloadAsync(ct).ConfigureAwait(false);
        cache.Clear();
        AdminLog.Imported(Logger(context), mode, added, updated, removed, tokensAdded, tokensUpdated, tokensRemoved);
        return AdminResults.Json(new JsonObject
        {
            ["success"] = true,
            ["mode"] = mode,
            ["channels"] = new JsonObject { ["added"] = added, ["updated"] = updated, ["removed"] = removed },
            ["tokens"] = new JsonObject { ["added"] = tokensAdded, ["updated"] = tokensUpdated, ["removed"] = tokensRemoved },
            ["options"] = new JsonObject { ["set"] = importedOptions.Count },
            ["settings_applied"] = appliedSettings,
        });
    }

    private static List<(RelayChannel Channel, List<string> Keys)> ParseChannels(JsonElement root, List<string> errors, OutboundAddressPolicy policy)
    {
        var list = new List<(RelayChannel, List<string>)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (at, item) in ArrayItems(root, "channels", errors))
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"Field '{at}' must be an object.");
                continue;
            }

            var name = Text(item, "name", at, errors, required: true);
            var type = Text(item, "type", at, errors) ?? ChannelTypes.OpenAI;
            var baseUrl = Text(item, "base_url", at, errors, required: true);
            var models = TextList(item, "models", at, errors);
            var keys = TextList(item, "keys", at, errors).Where(static k => !IsMasked(k)).ToList();
            if (name is null || baseUrl is null)
            {
                continue;
            }

            if (!names.Add(name))
            {
                errors.Add($"Field '{at}.name': channel '{name}' appears twice.");
            }

            if (!ChannelTypes.IsKnown(type))
            {
                errors.Add($"Field '{at}.type' must be one of {string.Join(", ", ChannelTypes.All)}.");
            }

            if (ChannelInput.ValidateBaseUrl(baseUrl, policy) is { } urlError)
            {
                errors.Add($"{at}: {urlError}");
            }

            var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
            if (item.TryGetProperty("model_mapping", out var map) && map.ValueKind == JsonValueKind.Object)
            {
                foreach (var pair in map.EnumerateObject())
                {
                    if (pair.Value.ValueKind == JsonValueKind.String)
                    {
                        mapping[pair.Name] = pair.Value.GetString()!;
                    }
                }
            }

            if (models.Count == 0 && mapping.Count == 0)
            {
                errors.Add($"Field '{at}.models' must list at least one model.");
            }

            // Checked as the channel routes check the field; absent (an older export) means none.
            var (capabilities, capabilitiesError) = item.TryGetProperty(ChannelCapabilityInput.Field, out var declared)
                ? ChannelCapabilityInput.Parse(declared)
                : (null, null);
            if (capabilitiesError is not null)
            {
                errors.Add(capabilitiesError.Replace("Field '", $"Field '{at}.", StringComparison.Ordinal));
            }

            list.Add((new RelayChannel
            {
                Name = name,
                Type = type.ToLowerInvariant(),
                BaseUrl = baseUrl,
                Models = models,
                ModelMapping = mapping,
                Group = Text(item, "group", at, errors) ?? RelayGroups.Default,
                Priority = Number(item, "priority", at, errors) ?? 0,
                Weight = (int)Math.Clamp(Number(item, "weight", at, errors) ?? 1, 0, 10_000),
                Status = Flag(item, "enabled", at, errors) == false ? ChannelStatus.ManuallyDisabled : ChannelStatus.Enabled,
                ConnectTimeout = Timeout(item, "connect_timeout_ms", at, errors),
                FirstByteTimeout = Timeout(item, "first_byte_timeout_ms", at, errors),
                IdleTimeout = Timeout(item, "idle_timeout_ms", at, errors),
                ToolCallSieve = Flag(item, "tool_call_sieve", at, errors) == true,
                ModelCapabilities = capabilities ?? new(StringComparer.OrdinalIgnoreCase),
            }, keys));
        }

        return list;
    }

    private static List<ApiToken> ParseTokens(JsonElement root, List<string> errors)
    {
        var list = new List<ApiToken>();
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (at, item) in ArrayItems(root, "tokens", errors))
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"Field '{at}' must be an object.");
                continue;
            }

            var key = Text(item, "key", at, errors);
            var hash = Text(item, "key_hash", at, errors)?.ToLowerInvariant();
            if (key is not null)
            {
                hash = ApiKeys.Hash(key);
            }
            else if (hash is null || hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
            {
                errors.Add($"Field '{at}': give 'key' (the gateway key) or 'key_hash' (64 hex digits, as exported).");
                continue;
            }

            if (!hashes.Add(hash))
            {
                errors.Add($"Field '{at}': the same key appears twice.");
            }

            var expires = Number(item, "expires_at", at, errors);
            var allowIps = TextList(item, "allow_ips", at, errors);
            foreach (var network in allowIps.Where(static n => !TokenEntry.IsValidNetwork(n)))
            {
                errors.Add($"Field '{at}.allow_ips': '{network}' is not an IP address or CIDR range.");
            }

            list.Add(new ApiToken
            {
                KeyHash = hash,
                KeyHint = key is not null ? ApiKeys.Mask(key) : Text(item, "key_preview", at, errors) ?? "***",
                Name = Text(item, "name", at, errors) ?? "imported-" + hash[..8],
                UnlimitedQuota = Flag(item, "unlimited_quota", at, errors) ?? false,
                RemainQuota = Math.Max(0, Number(item, "remain_quota", at, errors) ?? 0),
                Models = TextList(item, "models", at, errors),
                AllowIps = allowIps,
                Group = Text(item, "group", at, errors) ?? RelayGroups.Default,
                Status = Flag(item, "enabled", at, errors) == false ? TokenStatus.Disabled : TokenStatus.Enabled,
                ExpiresAt = expires is > 0 and < 253_402_300_799 ? DateTimeOffset.FromUnixTimeSeconds(expires.Value) : null,
            });
        }

        return list;
    }

    /// <summary>Reads the <c>options</c> object: each value checked by its option's definition (as <c>PUT /api/option/</c> checks it), nothing stored yet.</summary>
    private static List<SystemOption> ParseOptions(JsonElement root, List<string> errors, SystemSettings settings)
    {
        if (!root.TryGetProperty("options", out var options) || options.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (options.ValueKind != JsonValueKind.Object)
        {
            errors.Add("Field 'options' must be an object of option names and values.");
            return [];
        }

        var list = new List<SystemOption>();
        foreach (var option in options.EnumerateObject())
        {
            var value = SystemSettings.TextOf(option.Value);
            var error = value is null
                ? $"Option '{option.Name}' must be a string, number, boolean, object or array."
                : SystemSettings.Validate(option.Name, value, allowInternal: true) ?? settings.ValidateRegistered(option.Name, value);
            if (error is not null)
            {
                errors.Add($"Field 'options.{option.Name}': {error}");
                continue;
            }

            list.Add(new SystemOption { Key = option.Name, Value = value! });
        }

        return list;
    }

    /// <summary>A channel's own timeout in milliseconds, as exported; absent, null or 0 leaves the global option in force.</summary>
    private static TimeSpan? Timeout(JsonElement item, string name, string at, List<string> errors)
    {
        var milliseconds = Number(item, name, at, errors);
        if (milliseconds is < 0 or > ChannelInput.MaxTimeoutMilliseconds)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Field '{at}.{name}' must be between 0 and {ChannelInput.MaxTimeoutMilliseconds}."));
            return null;
        }

        return milliseconds is null or 0 ? null : TimeSpan.FromMilliseconds(milliseconds.Value);
    }

    private static long? Milliseconds(TimeSpan? value) => value is { } t && t > TimeSpan.Zero ? (long)t.TotalMilliseconds : null;

    /// <summary>The items of array field <paramref name="name"/> with their paths (<c>name[i]</c>): none when the field is absent or null, an error when it is not an array.</summary>
    private static IEnumerable<(string At, JsonElement Item)> ArrayItems(JsonElement root, string name, List<string> errors)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            errors.Add($"Field '{name}' must be an array.");
            return [];
        }

        return array.EnumerateArray().Select((item, i) => (string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]"), item));
    }

    private static string? Text(JsonElement item, string name, string at, List<string> errors, bool required = false)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add($"Field '{at}.{name}' is required.");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            errors.Add($"Field '{at}.{name}' must be a non-empty string.");
            return null;
        }

        return value.GetString()!.Trim();
    }

    private static List<string> TextList(JsonElement item, string name, string at, List<string> errors)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [.. value.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(static v => v.ValueKind != JsonValueKind.String))
        {
            errors.Add($"Field '{at}.{name}' must be an array of strings.");
            return [];
        }

        return [.. value.EnumerateArray().Select(static v => v.GetString()!.Trim()).Where(static v => v.Length > 0).Distinct(StringComparer.Ordinal)];
    }

    private static long? Number(JsonElement item, string name, string at, List<string> errors)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
        {
            return number;
        }

        errors.Add($"Field '{at}.{name}' must be an integer.");
        return null;
    }

    private static bool? Flag(JsonElement item, string name, string at, List<string> errors)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        errors.Add($"Field '{at}.{name}' must be true or false.");
        return null;
    }
}
