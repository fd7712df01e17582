using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Concurrency;
using LlmRelay.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>The ds2api-style admin API (<c>/admin/...</c>, issues #6 and #15): JWT login, runtime settings, config import/export, key and account pools, batch import, availability test, queue status, upstream captures.</summary>
/// <remarks>
/// Answers are plain JSON objects in the seed's shapes and errors are <c>{"detail": "..."}</c>. Every route but
/// <c>POST /admin/login</c> needs <c>Authorization: Bearer &lt;jwt&gt;</c> or the raw admin key (<c>/admin/verify</c>: the
/// JWT only). Without <c>LlmRelay:Admin:Key</c> every route answers 404. "Keys" are gateway tokens (<c>sk-...</c>);
/// "accounts" are the upstream keys of channels, identified as <c>{channel id}:{first 12 hex of SHA-256(key)}</c>.
/// </remarks>
internal static partial class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder root)
    {
        var admin = root.MapGroup("/admin");
        admin.AddEndpointFilter(new BodyLimitFilter(static message => AdminResults.Detail(message, StatusCodes.Status413PayloadTooLarge)));
        admin.MapPost("/login", LoginAsync);
        admin.MapGet("/verify", Verify).AddEndpointFilter(new AdminAuthFilter(jwtOnly: true));

        var secured = admin.MapGroup("");
        secured.AddEndpointFilter(new AdminAuthFilter(jwtOnly: false));
        secured.MapGet("/settings", GetSettings);
        secured.MapPut("/settings", PutSettingsAsync);
        secured.MapPost("/settings/password", ChangePasswordAsync);
        secured.MapGet("/queue/status", QueueStatusAsync);
        MapConfig(secured);
        MapPools(secured);
        MapBatch(secured);
        MapCaptures(secured);
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LlmRelay.Management.Admin");

    private static async Task<IResult> LoginAsync(HttpContext context, AdminCredentials credentials, IOptionStore options, ILoginRateLimiter limiter, TimeProvider time, CancellationToken ct)
    {
        if (!credentials.Enabled)
        {
            return AdminAuthFilter.Disabled();
        }

        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var key = body.Has("admin_key") ? body.String("admin_key", required: true, maxLength: 512) : body.String("password", maxLength: 512);
        var hours = body.Long("expire_hours", min: 1, max: 720);
        if (body.Error is not null || string.IsNullOrEmpty(key))
        {
            return AdminResults.Detail(body.Error ?? "Field 'admin_key' is required.");
        }

        var address = context.Connection.RemoteIpAddress;
        if (await limiter.LimitedForAsync(address, LoginRateLimiter.AdminName, ct).ConfigureAwait(false) is { } retryAfter)
        {
            return AdminAuthFilter.TooManyAttempts(context, retryAfter);
        }

        await credentials.EnsureLoadedAsync(options, ct).ConfigureAwait(false);
        if (!credentials.CheckPassword(key))
        {
            await limiter.RecordFailureAsync(address, LoginRateLimiter.AdminName, ct).ConfigureAwait(false);
            AdminLog.LoginFailed(Logger(context), address?.ToString() ?? "unknown");
            return AdminResults.Detail("Invalid admin key.", StatusCodes.Status401Unauthorized);
        }

        var (token, expires) = credentials.Issue((int)(hours ?? credentials.JwtExpireHours));
        return AdminResults.Json(new JsonObject
        {
            ["success"] = true,
            ["token"] = token,
            ["expires_in"] = (long)(expires - time.GetUtcNow()).TotalSeconds + 1,
        });
    }

    private static IResult Verify(HttpContext context, TimeProvider time)
    {
        var expires = (DateTimeOffset)context.Items[AdminAuthFilter.ExpiresItemKey]!;
        return AdminResults.Json(new JsonObject
        {
            ["valid"] = true,
            ["expires_at"] = expires.ToUnixTimeSeconds(),
            ["remaining_seconds"] = Math.Max(0, (long)(expires - time.GetUtcNow()).TotalSeconds),
        });
    }

    private static JsonObject SettingsView(AdminCredentials credentials, AdminRuntimeSettings runtime)
    {
        var o = runtime.Current;
        var aliases = new JsonObject();
        foreach (var (alias, model) in o.ModelAliases.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            aliases[alias] = model;
        }

        return new JsonObject
        {
            ["admin"] = new JsonObject
            {
                ["jwt_expire_hours"] = credentials.JwtExpireHours,
                ["password_changed"] = credentials.PasswordChanged,
                ["password_version"] = credentials.PasswordVersion,
                ["jwt_secret_configured"] = credentials.SigningKeyFromConfiguration,
            },
            ["runtime"] = new JsonObject
            {
                ["max_attempts"] = o.MaxAttempts,
                ["first_byte_timeout_seconds"] = (long)o.FirstByteTimeout.TotalSeconds,
                ["idle_timeout_seconds"] = (long)o.IdleTimeout.TotalSeconds,
                ["max_request_body_size"] = o.MaxRequestBodySize,
                ["max_response_body_size"] = o.MaxResponseBodySize,
                ["connect_timeout_seconds"] = (long)o.ConnectTimeout.TotalSeconds,
                ["response_store_ttl_seconds"] = (long)o.ResponseStoreTtl.TotalSeconds,
                ["concurrency"] = new JsonObject
                {
                    ["max_in_flight"] = o.Concurrency.MaxInFlight,
                    ["max_in_flight_per_key"] = o.Concurrency.MaxInFlightPerKey,
                    ["queue_limit"] = o.Concurrency.QueueLimit,
                    ["max_queue_wait_seconds"] = (long)o.Concurrency.MaxQueueWait.TotalSeconds,
                },
            },
            ["model_aliases"] = aliases,
            ["dev_captures"] = new JsonObject
            {
                ["enabled"] = o.Captures.Enabled,
                ["limit"] = o.Captures.Limit,
                ["max_body_bytes"] = o.Captures.MaxBodyBytes,
            },
            ["hot_reloadable"] = new JsonArray([.. AdminRuntimeSettings.HotKeys.Select(static k => JsonValue.Create(k))]),
            ["restart_required"] = new JsonArray([.. AdminRuntimeSettings.RestartKeys.Select(static k => JsonValue.Create(k))]),
        };
    }

    private static IResult GetSettings(AdminCredentials credentials, AdminRuntimeSettings runtime) =>
        AdminResults.Json(SettingsView(credentials, runtime));

    private static async Task<IResult> PutSettingsAsync(HttpContext context, AdminCredentials credentials, AdminRuntimeSettings runtime)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        if (body.Error is not null)
        {
            return AdminResults.Detail(body.Error);
        }

        if (ReadSettings(body, out var change) is { } refusal)
        {
            return refusal;
        }

        return AdminResults.Json(new JsonObject
        {
            ["success"] = true,
            ["applied"] = ApplySettings(context, change, credentials, runtime),
            ["note"] = "Applied to the next request; overrides last until the process restarts.",
            ["settings"] = SettingsView(credentials, runtime),
        });
    }

    /// <summary>Reads and checks the settings in <paramref name="body"/> (the shape of <c>GET /admin/settings</c>) without applying any; returns the refusal, or <see langword="null"/>.</summary>
    private static IResult? ReadSettings(JsonBody body, out AdminSettingsChange change)
    {
        change = null!;
        if (body.Has("model_aliases"))
        {
            return RestartRequired("model_aliases", "LlmRelay:ModelAliases");
        }

        var adminPart = body.ChildOrSelf("admin");
        var jwtHours = adminPart != body ? adminPart.Long("jwt_expire_hours", min: 1, max: 720) : null;
        var runtimePart = body.ChildOrSelf("runtime");
        int? attempts = null;
        long? firstByte = null, idle = null, maxRequest = null, maxResponse = null;
        if (runtimePart != body)
        {
            foreach (var (field, setting) in (ReadOnlySpan<(string, string)>)[
                ("connect_timeout_seconds", "LlmRelay:ConnectTimeout"),
                ("response_store_ttl_seconds", "LlmRelay:ResponseStoreTtl"),
                ("concurrency", "LlmRelay:Concurrency")])
            {
                if (runtimePart.Has(field))
                {
                    return RestartRequired("runtime." + field, setting);
                }
            }

            attempts = (int?)runtimePart.Long("max_attempts", min: 1, max: 20);
            firstByte = runtimePart.Long("first_byte_timeout_seconds", min: 1, max: 86_400);
            idle = runtimePart.Long("idle_timeout_seconds", min: 1, max: 86_400);
            maxRequest = runtimePart.Long("max_request_body_size", min: 1024, max: 1L << 34);
            maxResponse = runtimePart.Long("max_response_body_size", min: 1024, max: 1L << 34);
            if (runtimePart.Error is not null)
            {
                return AdminResults.Detail("runtime: " + runtimePart.Error);
            }
        }

        var capturesPart = body.ChildOrSelf("dev_captures");
        bool? capturing = null;
        long? captureLimit = null, captureBytes = null;
        if (capturesPart != body)
        {
            capturing = capturesPart.Bool("enabled");
            captureLimit = capturesPart.Long("limit", min: 1, max: 1000);
            captureBytes = capturesPart.Long("max_body_bytes", min: 0, max: 16 * 1024 * 1024);
            if (capturesPart.Error is not null)
            {
                return AdminResults.Detail("dev_captures: " + capturesPart.Error);
            }
        }

        if (adminPart.Error is not null || body.Error is not null)
        {
            return AdminResults.Detail(adminPart.Error ?? body.Error!);
        }

        change = new AdminSettingsChange((int?)jwtHours, attempts, firstByte, idle, maxRequest, maxResponse, capturing, captureLimit, captureBytes);
        return null;
    }

    /// <summary>Applies checked settings until the process restarts; returns the keys applied (<see cref="AdminRuntimeSettings.HotKeys"/>).</summary>
    private static JsonArray ApplySettings(HttpContext context, AdminSettingsChange change, AdminCredentials credentials, AdminRuntimeSettings runtime)
    {
        var applied = new JsonArray();
        if (change.JwtExpireHours is { } hours)
        {
            credentials.JwtExpireHours = hours;
            applied.Add("admin.jwt_expire_hours");
        }

        runtime.Apply(
            change.MaxAttempts,
            change.FirstByteTimeoutSeconds is { } f ? TimeSpan.FromSeconds(f) : null,
            change.IdleTimeoutSeconds is { } i ? TimeSpan.FromSeconds(i) : null,
            change.MaxRequestBodySize,
            change.MaxResponseBodySize);
        runtime.ApplyCaptures(change.CapturesEnabled, (int?)change.CaptureLimit, (int?)change.CaptureMaxBodyBytes);
        foreach (var (value, key) in (ReadOnlySpan<(long?, string)>)[
            (change.MaxAttempts, "runtime.max_attempts"), (change.FirstByteTimeoutSeconds, "runtime.first_byte_timeout_seconds"), (change.IdleTimeoutSeconds, "runtime.idle_timeout_seconds"),
            (change.MaxRequestBodySize, "runtime.max_request_body_size"), (change.MaxResponseBodySize, "runtime.max_response_body_size"),
            (change.CapturesEnabled is null ? null : 1, "dev_captures.enabled"), (change.CaptureLimit, "dev_captures.limit"), (change.CaptureMaxBodyBytes, "dev_captures.max_body_bytes")])
        {
            if (value is not null)
            {
                applied.Add(key);
            }
        }

        if (applied.Count > 0)
        {
            AdminLog.SettingsChanged(Logger(context), string.Join(", ", applied.Select(static a => a!.GetValue<string>())));
        }

        return applied;
    }

    /// <summary>The settings an export carries: the hot-reloadable ones (<see cref="AdminRuntimeSettings.HotKeys"/>), in <c>PUT /admin/settings</c>'s shape.</summary>
    private static JsonObject ExportedSettings(AdminCredentials credentials, AdminRuntimeSettings runtime)
    {
        var o = runtime.Current;
        return new JsonObject
        {
            ["admin"] = new JsonObject { ["jwt_expire_hours"] = credentials.JwtExpireHours },
            ["runtime"] = new JsonObject
            {
                ["max_attempts"] = o.MaxAttempts,
                ["first_byte_timeout_seconds"] = WholeSeconds(o.FirstByteTimeout),
                ["idle_timeout_seconds"] = WholeSeconds(o.IdleTimeout),
                ["max_request_body_size"] = o.MaxRequestBodySize,
                ["max_response_body_size"] = o.MaxResponseBodySize,
            },
            ["dev_captures"] = new JsonObject
            {
                ["enabled"] = o.Captures.Enabled,
                ["limit"] = o.Captures.Limit,
                ["max_body_bytes"] = o.Captures.MaxBodyBytes,
            },
        };

        // PUT /admin/settings takes whole seconds from 1; a shorter configured timeout is carried as 1 s rather than refused on import.
        static long WholeSeconds(TimeSpan value) => Math.Max(1, (long)Math.Ceiling(value.TotalSeconds));
    }

    private static IResult RestartRequired(string field, string setting) => AdminResults.Detail(
        $"Setting '{field}' cannot be changed at run time: it is read once at start. Set {setting} in configuration and restart.",
        StatusCodes.Status409Conflict);

    private static async Task<IResult> ChangePasswordAsync(HttpContext context, AdminCredentials credentials, IOptionStore options, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var password = body.String("new_password", required: true, maxLength: 256);
        if (body.Error is not null || password!.Length < 8)
        {
            return AdminResults.Detail(body.Error ?? "Field 'new_password' must be at least 8 characters.");
        }

        var old = credentials.PasswordVersion;
        var version = await credentials.ChangePasswordAsync(password, options, ct).ConfigureAwait(false);
        AdminLog.PasswordChanged(Logger(context), old);
        return AdminResults.Json(new JsonObject
        {
            ["success"] = true,
            ["detail"] = "The admin password was changed; sign in again: JWTs issued before are no longer valid.",
            ["password_version"] = version,
        });
    }

    private static async Task<IResult> QueueStatusAsync(RelayConcurrency concurrency, IChannelStore channels, CancellationToken ct)
    {
        var status = concurrency.Status();
        var accounts = new List<(string Key, string Identifier)>();
        foreach (var channel in await channels.ListAsync(ct).ConfigureAwait(false))
        {
            if (channel.Status != LlmRelay.Channels.ChannelStatus.Enabled)
            {
                continue;
            }

            for (var i = 0; i < channel.Keys.Count; i++)
            {
                accounts.Add((string.Create(CultureInfo.InvariantCulture, $"channel:{channel.Id}:{i}"), AccountId(channel.Id, channel.Keys[i])));
            }
        }

        var inUse = accounts.Where(a => status.InFlightByKey.ContainsKey(a.Key)).Select(static a => a.Identifier).ToList();
        var available = accounts.Where(a => !status.InFlightByKey.ContainsKey(a.Key)).Select(static a => a.Identifier).ToList();
        var byKey = new JsonObject();
        foreach (var (key, count) in status.InFlightByKey)
        {
            byKey[key] = count;
        }

        return AdminResults.Json(new JsonObject
        {
            ["available"] = available.Count,
            ["in_use"] = inUse.Count,
            ["total"] = accounts.Count,
            ["available_accounts"] = new JsonArray([.. available.Select(static a => JsonValue.Create(a))]),
            ["in_use_accounts"] = new JsonArray([.. inUse.Select(static a => JsonValue.Create(a))]),
            ["max_inflight_per_account"] = status.MaxInFlightPerKey,
            ["recommended_concurrency"] = (long)accounts.Count * status.MaxInFlightPerKey,
            ["in_flight"] = status.InFlight,
            ["queued"] = status.Queued,
            ["max_in_flight"] = status.MaxInFlight,
            ["queue_limit"] = status.QueueLimit,
            ["max_queue_wait_seconds"] = (long)status.MaxQueueWait.TotalSeconds,
            ["in_flight_by_key"] = byKey,
        });
    }

    private static JsonObject Paged(JsonArray items, long total, int page, int size) => new()
    {
        ["items"] = items,
        ["total"] = total,
        ["page"] = page,
        ["page_size"] = size,
        ["total_pages"] = (total + size - 1) / size,
    };

    private static (int Page, int Size, string? Error) Paging(HttpRequest request)
    {
        var page = 1;
        var size = 10;
        var p = request.Query["page"].ToString();
        if (p.Length > 0 && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
        {
            return (0, 0, "Query 'page' must be a page number from 1.");
        }

        var s = request.Query["page_size"].ToString();
        if (s.Length > 0 && (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > 100))
        {
            return (0, 0, "Query 'page_size' must be between 1 and 100.");
        }

        return (page, size, null);
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(static v => JsonValue.Create(v))]);

    private static JsonElement? Element(JsonBody body, string name) =>
        body.Root.ValueKind == JsonValueKind.Object && body.Root.TryGetProperty(name, out var value) ? value : null;
}
