using System.Reflection;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Users;
using LlmRelay.Management;
using LlmRelay.Selection;
using LlmRelay.Pricing;
using LlmRelay.Storage;
using System.Text.Json;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>System routes: set-up, status, public pages, options, secure verification and statistics.</summary>
internal static class SystemEndpoints
{
    private static readonly string Version = typeof(SystemEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/setup", GetSetupAsync).At(AccessLevel.Public);
        api.MapPost("/setup", PostSetupAsync).At(AccessLevel.Public);
        // The process start as the injected clock reads it when the routes are mapped.
        var startTime = api.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();
        api.MapGet("/status", (SystemSettings settings, IUserStore users, CancellationToken ct) => GetStatusAsync(settings, users, startTime, ct)).At(AccessLevel.Public);
        api.MapGet("/status/test", TestStatusAsync).At(AccessLevel.Admin);
        api.MapGet("/uptime/status", static () => ApiResult.Ok(new List<string>(), ManagementJsonContext.Default.ListString)).At(AccessLevel.Public);
        MapText(api, "/about", SystemSettings.About);
        MapText(api, "/notice", SystemSettings.Notice);
        MapText(api, "/home_page_content", SystemSettings.HomePageContent);
        MapText(api, "/privacy-policy", SystemSettings.PrivacyPolicy);
        MapText(api, "/user-agreement", SystemSettings.UserAgreement);
        api.MapGet("/pricing", GetPricingAsync).At(AccessLevel.Public);
        api.MapGet("/ratio_config", GetRatioConfigAsync).At(AccessLevel.Public);

        api.MapGet("/option/", GetOptionsAsync).At(AccessLevel.Root);
        api.MapPut("/option/", PutOptionAsync).At(AccessLevel.Root);
        api.MapPost("/option/migrate_console_setting", static () => ApiResult.Ok("Nothing to migrate: console settings are stored as options already.")).At(AccessLevel.Root);
        api.MapPost("/option/rest_model_ratio", ResetModelRatioAsync).At(AccessLevel.Root);

        api.MapGet("/ratio_sync/channels", GetSyncableChannelsAsync).At(AccessLevel.Root);
        api.MapPost("/ratio_sync/fetch", static () => Users.UserEndpoints.NotSupported("Fetching ratios from upstream gateways")).At(AccessLevel.Root);

        api.MapPost("/verify", VerifyAsync).At(AccessLevel.User);
        api.MapGet("/verify/status", GetVerifyStatus).At(AccessLevel.User);

        // /api/data/ and /api/data/self: see Logs/LogEndpoints (hourly aggregates computed in SQL).
    }

    private static void MapText(IEndpointRouteBuilder api, string path, string option) =>
        api.MapGet(path, async (SystemSettings settings, CancellationToken ct) =>
            ApiResult.Ok(await settings.GetAsync(option, ct).ConfigureAwait(false), ManagementJsonContext.Default.String)).At(AccessLevel.Public);

    private static async Task<ApiResult> GetSetupAsync(SiteService site, CancellationToken ct) =>
        ApiResult.Ok(await site.GetSetupAsync(ct).ConfigureAwait(false), ManagementJsonContext.Default.SetupView);

    private static async Task<ApiResult> PostSetupAsync(HttpRequest request, AccountService accounts, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var result = await accounts.SetUpAsync(UserEndpoints.ReadAccount(body), ct).ConfigureAwait(false);
        return result.Error is { } error ? ApiResult.From(error) : ApiResult.Ok(UserView.From(result.Value), ManagementJsonContext.Default.UserView, "The system is set up.");
    }

    private static async Task<ApiResult> GetStatusAsync(SystemSettings settings, IUserStore users, long startTime, CancellationToken ct)
    {
        var view = new StatusView(
            await settings.GetAsync(SystemSettings.SystemName, ct).ConfigureAwait(false),
            Version,
            startTime,
            await users.RootExistsAsync(ct).ConfigureAwait(false),
            await settings.GetBoolAsync(SystemSettings.RegisterEnabled, ct).ConfigureAwait(false),
            await settings.GetBoolAsync(SystemSettings.PasswordLoginEnabled, ct).ConfigureAwait(false),
            await settings.GetLongAsync(SystemSettings.QuotaPerUnit, ct).ConfigureAwait(false),
            await settings.GetBoolAsync(SystemSettings.DisplayInCurrencyEnabled, ct).ConfigureAwait(false),
            await settings.GetAsync(SystemSettings.TopUpLink, ct).ConfigureAwait(false),
            await settings.GetAsync(SystemSettings.Footer, ct).ConfigureAwait(false));
        return ApiResult.Ok(view, ManagementJsonContext.Default.StatusView);
    }

    private static async Task<ApiResult> TestStatusAsync(IRelayDatabase database, CancellationToken ct) =>
        await database.CanConnectAsync(ct).ConfigureAwait(false)
            ? ApiResult.Ok("The database answers.")
            : ApiResult.Fail("The database does not answer.", StatusCodes.Status503ServiceUnavailable);

    internal static ApiResult GetModels(HttpContext context, ChannelCatalogProvider catalog)
    {
        var user = context.CurrentUser();
        var models = new Dictionary<string, List<string>>(StringComparer.Ordinal)
        {
            [user.Group] = [.. catalog.Current.ModelsOf(user.Group)],
        };
        return ApiResult.Ok(models, ManagementJsonContext.Default.DictionaryStringListString);
    }

    // Shows what the relay charges (PricingService: the prices billing resolves, per model of an enabled channel).
    private static async Task<ApiResult> GetPricingAsync(PricingService pricing, CancellationToken ct)
    {
        var list = (await pricing.ListAsync(ct).ConfigureAwait(false))
            .Select(static o => PricingView.Of(o.ModelName, o.Price, o.Groups))
            .ToList();
        return ApiResult.Ok(list, ManagementJsonContext.Default.ListPricingView);
    }

    // The ratio options as stored, except group_ratio: every group ratio in force (configuration and the option).
    private static async Task<ApiResult> GetRatioConfigAsync(SystemSettings settings, ModelPricing pricing, CancellationToken ct) =>
        ApiResult.Ok(
            new RatioConfigView(
                await settings.GetRatiosAsync(SystemSettings.ModelRatio, ct).ConfigureAwait(false),
                await settings.GetRatiosAsync(SystemSettings.CompletionRatio, ct).ConfigureAwait(false),
                pricing.GroupRatios),
            ManagementJsonContext.Default.RatioConfigView);

    private static async Task<ApiResult> GetSyncableChannelsAsync(IChannelStore channels, CancellationToken ct)
    {
        var list = (await channels.ListAsync(ct).ConfigureAwait(false))
            .Where(static c => c.Status == LlmRelay.Channels.ChannelStatus.Enabled)
            .Select(static c => ChannelView.From(c, null)).ToList();
        return ApiResult.Ok(list, ManagementJsonContext.Default.ListChannelView);
    }

    private static async Task<ApiResult> GetOptionsAsync(HttpContext context, OptionService options, CancellationToken ct)
    {
        var result = await options.ListAsync(context.CurrentUser(), ct).ConfigureAwait(false);
        return result.Error is { } error
            ? ApiResult.From(error)
            : ApiResult.Ok(result.Value.Select(static p => new OptionView(p.Key, p.Value)).ToList(), ManagementJsonContext.Default.ListOptionView);
    }

    private static async Task<ApiResult> PutOptionAsync(HttpRequest request, OptionService options, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var key = body.String("key", maxLength: int.MaxValue);
        string? value = null;
        if (body.Error is null && body.Root.TryGetProperty("value", out var raw))
        {
            value = SystemSettings.TextOf(raw);        }

        return await options.SetAsync(request.HttpContext.CurrentUser(), key, value, body.Error, ct).ConfigureAwait(false) is { } error ? ApiResult.From(error) : ApiResult.Ok();
    }

    private static async Task<ApiResult> ResetModelRatioAsync(SystemSettings settings, CancellationToken ct)
    {
        await settings.SetAsync(
            [
                new SystemOption { Key = SystemSettings.ModelRatio, Value = SystemSettings.Definitions[SystemSettings.ModelRatio].Default },
                new SystemOption { Key = SystemSettings.CompletionRatio, Value = SystemSettings.Definitions[SystemSettings.CompletionRatio].Default },
            ],
            ct).ConfigureAwait(false);
        return ApiResult.Ok("Model ratios were reset to their defaults.");
    }

    private static async Task<ApiResult> VerifyAsync(HttpRequest request, IPasswordHasher<RelayUser> hasher, ISecureVerification verification, ILoginRateLimiter limiter)
    {
        var user = request.HttpContext.CurrentUser();
        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var password = body.String("password", required: true, maxLength: UserRules.MaxPasswordLength);
        if (body.Error is not null)
        {
            return ApiResult.Fail(body.Error);
        }

        if (!await limiter.TryAcquireAsync(request.HttpContext.Connection.RemoteIpAddress, "verify:" + user.Username, request.HttpContext.RequestAborted).ConfigureAwait(false))
        {
            return ApiResult.Fail("Too many attempts; try again in a minute.", StatusCodes.Status429TooManyRequests);
        }

        if (!UserRules.VerifyPassword(hasher, user, password!))
        {
            return ApiResult.Fail("Field 'password' is wrong.", StatusCodes.Status401Unauthorized);
        }

        var until = await verification.VerifyAsync(user.Id, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return ApiResult.Ok(new VerifyStatusView(true, until.ToUnixTimeSeconds()), ManagementJsonContext.Default.VerifyStatusView);
    }

    private static async Task<ApiResult> GetVerifyStatus(HttpContext context, ISecureVerification verification)
    {
        var until = await verification.VerifiedUntilAsync(context.CurrentUser().Id, context.RequestAborted).ConfigureAwait(false);
        return ApiResult.Ok(new VerifyStatusView(until is not null, until?.ToUnixTimeSeconds() ?? 0), ManagementJsonContext.Default.VerifyStatusView);
    }
}
