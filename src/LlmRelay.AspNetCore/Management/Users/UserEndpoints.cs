using LlmRelay.AspNetCore.Management.Groups;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Redemption;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.Internal;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace LlmRelay.AspNetCore.Management.Users;

/// <summary>User routes: sign-in, registration, the caller's own account, and user administration.</summary>
internal static class UserEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/user/login", LoginAsync).At(AccessLevel.Public);
        api.MapGet("/user/logout", (Delegate)LogoutAsync).At(AccessLevel.Public);
        api.MapPost("/user/register", RegisterAsync).At(AccessLevel.Public);
        api.MapGet("/user/groups", GetUsableGroupsAsync).At(AccessLevel.Public);
        api.MapGet("/reset_password", static () => NotSupported("Password reset by e-mail")).At(AccessLevel.Public);
        api.MapPost("/user/reset", static () => NotSupported("Password reset by e-mail")).At(AccessLevel.Public);
        api.MapGet("/verification", static () => NotSupported("E-mail verification")).At(AccessLevel.Public);
        api.MapPost("/user/login/2fa", static () => NotSupported("Two-factor sign-in")).At(AccessLevel.Public);
        api.MapPost("/user/passkey/login/begin", static () => NotSupported("Passkey sign-in")).At(AccessLevel.Public);
        api.MapPost("/user/passkey/login/finish", static () => NotSupported("Passkey sign-in")).At(AccessLevel.Public);

        api.MapGet("/user/self", static (HttpContext context) => ApiResult.Ok(UserView.From(context.CurrentUser()), ManagementJsonContext.Default.UserView)).At(AccessLevel.User);
        api.MapPut("/user/self", UpdateSelfAsync).At(AccessLevel.User);
        api.MapDelete("/user/self", DeleteSelfAsync).At(AccessLevel.User);
        api.MapGet("/user/self/groups", GetSelfGroupsAsync).At(AccessLevel.User);
        api.MapGet("/user/models", static (HttpContext context, ChannelCatalogProvider catalog) =>
            ApiResult.Ok(catalog.Current.ModelsOf(context.CurrentUser().Group).ToList(), ManagementJsonContext.Default.ListString)).At(AccessLevel.User);
        api.MapGet("/user/token", IssueAccessTokenAsync).At(AccessLevel.User);
        api.MapGet("/user/aff", GetAffCodeAsync).At(AccessLevel.User);
        api.MapPost("/user/aff_transfer", static () => ApiResult.Fail("Field 'quota': there is no affiliate reward quota to transfer.")).At(AccessLevel.User);
        api.MapPut("/user/setting", UpdateSettingAsync).At(AccessLevel.User);
        api.MapPost("/user/topup", RedeemAsync).At(AccessLevel.User);
        api.MapGet("/user/passkey", static () => NotSupported("Passkeys")).At(AccessLevel.User);
        api.MapDelete("/user/passkey", static () => NotSupported("Passkeys")).At(AccessLevel.User);
        api.MapPost("/user/passkey/register/begin", static () => NotSupported("Passkeys")).At(AccessLevel.User);
        api.MapPost("/user/passkey/register/finish", static () => NotSupported("Passkeys")).At(AccessLevel.User);
        api.MapPost("/user/passkey/verify/begin", static () => NotSupported("Passkeys")).At(AccessLevel.User);
        api.MapPost("/user/passkey/verify/finish", static () => NotSupported("Passkeys")).At(AccessLevel.User);

        api.MapGet("/user/", ListAsync).At(AccessLevel.Admin);
        api.MapGet("/user/search", SearchAsync).At(AccessLevel.Admin);
        api.MapGet("/user/{id:long}", GetAsync).At(AccessLevel.Admin);
        api.MapPost("/user/", CreateAsync).At(AccessLevel.Admin);
        api.MapPut("/user/", UpdateAsync).At(AccessLevel.Admin);
        api.MapDelete("/user/{id:long}", DeleteAsync).At(AccessLevel.Admin);
        api.MapPost("/user/manage", ManageAsync).At(AccessLevel.Admin);
        api.MapDelete("/user/{id:long}/2fa", static () => NotSupported("Two-factor authentication")).At(AccessLevel.Admin);
        api.MapDelete("/user/{id:long}/reset_passkey", static () => NotSupported("Passkeys")).At(AccessLevel.Admin);
        api.MapGet("/user/topup", ListTopUpsAsync).At(AccessLevel.Admin);
        api.MapPost("/user/topup/complete", static () => ApiResult.Fail("Field 'trade_no': no pending payment order exists; LlmRelay has no payment provider configured.", StatusCodes.Status404NotFound)).At(AccessLevel.Admin);
    }

    internal static ApiResult NotSupported(string feature) =>
        ApiResult.Fail($"{feature} is not supported by this gateway.", StatusCodes.Status501NotImplemented);

    private static async Task<ApiResult> LoginAsync(HttpContext context, AccountService accounts, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var result = await accounts.SignInAsync(ReadAccount(body), context.Connection.RemoteIpAddress, ct).ConfigureAwait(false);
        if (result.Error is { } error)
        {
            return ApiResult.From(error);
        }

        await UserSessions.SignInAsync(context, result.Value).ConfigureAwait(false);
        return ApiResult.Ok(UserView.From(result.Value), ManagementJsonContext.Default.UserView);
    }

    /// <summary>Signs out everywhere: the caller's user gets a new security stamp, which ends every session cookie of theirs on every device.</summary>
    private static async Task<ApiResult> LogoutAsync(HttpContext context, AccountService accounts, CancellationToken ct)
    {
        await accounts.SignOutEverywhereAsync(context.OptionalUser(), ct).ConfigureAwait(false);
        await UserSessions.SignOutAsync(context).ConfigureAwait(false);
        return ApiResult.Ok();
    }

    private static async Task<ApiResult> RegisterAsync(HttpRequest request, AccountService accounts, CancellationToken ct)
    {
        if (await accounts.RefuseRegistrationAsync(ct).ConfigureAwait(false) is { } refusal)
        {
            return ApiResult.From(refusal);
        }

        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var result = await accounts.RegisterAsync(ReadAccount(body), ct).ConfigureAwait(false);
        return result.Error is { } error ? ApiResult.From(error) : ApiResult.Ok(UserView.From(result.Value), ManagementJsonContext.Default.UserView);
    }

    /// <summary>Reads the account fields of a JSON body (sign-in, registration, set-up); a field of the wrong JSON type becomes <see cref="AccountRequest.InputError"/>.</summary>
    internal static AccountRequest ReadAccount(JsonBody body)
    {
        var username = body.String("username", maxLength: int.MaxValue);
        var password = body.String("password", maxLength: int.MaxValue);
        var confirm = body.String("confirm_password", maxLength: int.MaxValue);
        var email = body.String("email", maxLength: int.MaxValue);
        var affCode = body.String("aff_code", maxLength: int.MaxValue);
        return new AccountRequest { InputError = body.Error, Username = username, Password = password, ConfirmPassword = confirm, Email = email, AffCode = affCode };
    }

    private static async Task<ApiResult> GetUsableGroupsAsync(SystemSettings settings, CancellationToken ct)
    {
        var usable = await settings.GetTextMapAsync(SystemSettings.UserUsableGroups, ct).ConfigureAwait(false);
        var ratios = await settings.GetRatiosAsync(SystemSettings.GroupRatio, ct).ConfigureAwait(false);
        var groups = usable.ToDictionary(p => p.Key, p => new GroupInfoView(ratios.TryGetValue(p.Key, out var r) ? r : 1, p.Value), StringComparer.Ordinal);
        return ApiResult.Ok(groups, ManagementJsonContext.Default.DictionaryStringGroupInfoView);
    }

    private static async Task<ApiResult> GetSelfGroupsAsync(HttpContext context, UsableGroups usableGroups, CancellationToken ct) =>
        ApiResult.Ok(await usableGroups.DescribeForAsync(context.CurrentUser().Group, ct).ConfigureAwait(false), ManagementJsonContext.Default.DictionaryStringGroupInfoView);

    private static async Task<ApiResult> UpdateSelfAsync(HttpContext context, IUserStore users, IPasswordHasher<RelayUser> hasher, CancellationToken ct)
    {
        var user = context.CurrentUser();
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var username = body.String("username");
        var displayName = body.String("display_name", maxLength: 64);
        var password = body.String("password", maxLength: UserRules.MaxPasswordLength);
        var original = body.String("original_password", maxLength: UserRules.MaxPasswordLength);
        var error = body.Error
            ?? (username is not null ? UserRules.ValidateUsername(username) : null)
            ?? (!string.IsNullOrEmpty(password) ? UserRules.ValidatePassword(password) : null);
        if (error is null && !string.IsNullOrEmpty(password) && (original is null || !UserRules.VerifyPassword(hasher, user, original)))
        {
            error = "Field 'original_password' is missing or wrong.";
        }

        if (error is null && username is not null && !username.Equals(user.Username, StringComparison.OrdinalIgnoreCase)
            && await users.FindByUsernameAsync(username, ct).ConfigureAwait(false) is not null)
        {
            error = $"Field 'username': '{username}' is taken.";
        }

        if (error is not null)
        {
            return ApiResult.Fail(error);
        }

        user.Username = username ?? user.Username;
        user.DisplayName = displayName ?? user.DisplayName;
        if (!string.IsNullOrEmpty(password))
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            UserSessions.EndAll(user);
        }

        await users.UpdateAsync(user, ct).ConfigureAwait(false);
        await RenewOwnSessionAsync(context, user, password).ConfigureAwait(false);
        return ApiResult.Ok(UserView.From(user), ManagementJsonContext.Default.UserView);
    }

    /// <summary>After the caller changed their own password, every earlier cookie is dead; the session that made the change gets a fresh one.</summary>
    private static async Task RenewOwnSessionAsync(HttpContext context, RelayUser user, string? password)
    {
        if (!string.IsNullOrEmpty(password) && context.IsSession() && context.CurrentUser().Id == user.Id)
        {
            await UserSessions.SignInAsync(context, user).ConfigureAwait(false);
        }
    }

    private static async Task<ApiResult> DeleteSelfAsync(HttpContext context, UserService service, CancellationToken ct)
    {
        var user = context.CurrentUser();
        if (user.Role == UserRole.Root)
        {
            return ApiResult.Fail("The root user cannot delete itself.", StatusCodes.Status403Forbidden);
        }

        await service.DeleteWithTokensAsync(user.Id, ct).ConfigureAwait(false);
        await context.SignOutAsync(ManagementSchemes.Session).ConfigureAwait(false);
        return ApiResult.Ok();
    }

    private static async Task<ApiResult> IssueAccessTokenAsync(HttpContext context, IUserStore users, CancellationToken ct)
    {
        var user = context.CurrentUser();
        var token = UserRules.NewAccessToken();
        user.AccessTokenHash = ApiKeys.Hash(token);
        await users.UpdateAsync(user, ct).ConfigureAwait(false);
        return ApiResult.Ok(token, ManagementJsonContext.Default.String, "Keep this access token; it is shown only once.");
    }

    private static async Task<ApiResult> GetAffCodeAsync(HttpContext context, IUserStore users, CancellationToken ct)
    {
        var user = context.CurrentUser();
        if (user.AffCode.Length == 0)
        {
            user.AffCode = UserRules.NewAffCode();
            await users.UpdateAsync(user, ct).ConfigureAwait(false);
        }

        return ApiResult.Ok(user.AffCode, ManagementJsonContext.Default.String);
    }

    private static async Task<ApiResult> UpdateSettingAsync(HttpRequest request)
    {
        using var body = await JsonBody.ReadAsync(request).ConfigureAwait(false);
        var notifyType = body.String("notify_type", maxLength: 32);
        _ = body.String("webhook_url", maxLength: 1024);
        _ = body.String("notification_email", maxLength: 128);
        if (body.Error is null && notifyType is not null && notifyType is not ("email" or "webhook"))
        {
            return ApiResult.Fail("Field 'notify_type' must be 'email' or 'webhook'.");
        }

        return body.Error is not null
            ? ApiResult.Fail(body.Error)
            : NotSupported("Quota notifications");
    }

    private static async Task<ApiResult> RedeemAsync(HttpContext context, RedemptionService redemptions, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var key = body.String("key", maxLength: int.MaxValue);
        return ApiResult.From(await redemptions.RedeemAsync(context.CurrentUser(), key, body.Error, ct).ConfigureAwait(false), ManagementJsonContext.Default.Int64);
    }

    private static async Task<ApiResult> ListAsync(HttpRequest request, UserService service, CancellationToken ct)
    {
        var (page, size) = request.Paging();
        return Page(await service.ListAsync(request.HttpContext.CurrentUser(), null, null, page, size, ct).ConfigureAwait(false), page, size);
    }

    private static async Task<ApiResult> SearchAsync(HttpRequest request, UserService service, CancellationToken ct)
    {
        var (page, size) = request.Paging();
        var keyword = request.Query["keyword"].ToString().Trim();
        var group = request.Query["group"].ToString().Trim();
        return Page(await service.ListAsync(request.HttpContext.CurrentUser(), keyword, group, page, size, ct).ConfigureAwait(false), page, size);
    }

    private static ApiResult Page(ManagementResult<PagedResult<RelayUser>> result, int page, int size) =>
        result.Error is { } error
            ? ApiResult.From(error)
            : ApiResult.Ok(new PageView<UserView>([.. result.Value.Items.Select(UserView.From)], result.Value.Total, page, size), ManagementJsonContext.Default.PageViewUserView);

    private static async Task<ApiResult> GetAsync(long id, HttpContext context, IUserStore users, CancellationToken ct)
    {
        var user = await users.FindAsync(id, ct).ConfigureAwait(false);
        if (user is null)
        {
            return ApiResult.NotFound("User");
        }

        return user.Id != context.CurrentUser().Id && !UserRules.Manages(context.CurrentUser(), user)
            ? ApiResult.Forbidden("You cannot view a user whose role is equal to or above yours.")
            : ApiResult.Ok(UserView.From(user), ManagementJsonContext.Default.UserView);
    }

    private static async Task<ApiResult> CreateAsync(HttpContext context, UserService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var result = await service.CreateAsync(context.CurrentUser(), ReadUser(body), ct).ConfigureAwait(false);
        return View(result);
    }

    private static async Task<ApiResult> UpdateAsync(HttpContext context, UserService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var id = body.Long("id", required: true, min: 1);
        var changes = ReadUser(body);
        if (id is null)
        {
            return ApiResult.Fail(body.Error!);
        }

        var result = await service.UpdateAsync(context.CurrentUser(), id.Value, changes, ct).ConfigureAwait(false);
        if (result.Error is null)
        {
            await RenewOwnSessionAsync(context, result.Value, changes.Password).ConfigureAwait(false);
        }

        return View(result);
    }

    private static ApiResult View(ManagementResult<RelayUser> result) =>
        result.Error is { } error ? ApiResult.From(error) : ApiResult.Ok(UserView.From(result.Value), ManagementJsonContext.Default.UserView);

    /// <summary>Reads the user fields of a JSON body; a field of the wrong JSON type becomes <see cref="UserChanges.InputError"/>.</summary>
    private static UserChanges ReadUser(JsonBody body)
    {
        var username = body.String("username", maxLength: int.MaxValue);
        var password = body.String("password", maxLength: int.MaxValue);
        var displayName = body.String("display_name", maxLength: int.MaxValue);
        var role = body.Long("role");
        var group = body.String("group", maxLength: int.MaxValue);
        var email = body.String("email", maxLength: int.MaxValue);
        var quota = body.Long("quota");
        return new UserChanges
        {
            InputError = body.Error,
            Username = username,
            Password = password,
            DisplayName = displayName,
            Role = role is { } r ? (UserRole)(int)Math.Clamp(r, int.MinValue, int.MaxValue) : null,
            Group = group,
            Email = email,
            Quota = quota,
        };
    }

    private static async Task<ApiResult> DeleteAsync(long id, HttpContext context, IUserStore users, UserService service, CancellationToken ct)
    {
        var user = await users.FindAsync(id, ct).ConfigureAwait(false);
        if (user is null)
        {
            return ApiResult.NotFound("User");
        }

        if (!UserRules.Manages(context.CurrentUser(), user))
        {
            return ApiResult.Forbidden("You cannot delete a user whose role is equal to or above yours.");
        }

        await service.DeleteWithTokensAsync(id, ct).ConfigureAwait(false);
        return ApiResult.Ok();
    }

    private static async Task<ApiResult> ManageAsync(HttpContext context, UserService service, CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(context.Request).ConfigureAwait(false);
        var id = body.Long("id", required: true, min: 1);
        var action = body.String("action", maxLength: int.MaxValue);
        if (id is null)
        {
            return ApiResult.Fail(body.Error!);
        }

        var result = await service.ManageAsync(context.CurrentUser(), id.Value, action, body.Error, ct).ConfigureAwait(false);
        return result.Error is { } error ? ApiResult.From(error)
            : result.Value is { } user ? ApiResult.Ok(UserView.From(user), ManagementJsonContext.Default.UserView)
            : ApiResult.Ok();
    }

    private static async Task<ApiResult> ListTopUpsAsync(HttpRequest request, IUsageLogStore logs, CancellationToken ct)
    {
        var (page, size) = request.Paging();
        var result = await logs.QueryAsync(new UsageLogQuery { Type = UsageLogType.TopUp, Page = page, PageSize = size }, ct).ConfigureAwait(false);
        var items = result.Items.Select(static l => new TopUpView(l.Id, l.UserId, l.Quota, l.CreatedAt.ToUnixTimeSeconds(), l.Content)).ToList();
        return ApiResult.Ok(new PageView<TopUpView>(items, result.Total, page, size), ManagementJsonContext.Default.PageViewTopUpView);
    }
}
