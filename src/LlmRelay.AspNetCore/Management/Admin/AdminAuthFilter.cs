using System.Globalization;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>Authenticates an admin request: <c>Authorization: Bearer &lt;jwt&gt;</c>, or (unless <paramref name="jwtOnly"/>) the raw admin key.</summary>
/// <remarks>
/// <code>
/// no LlmRelay:Admin:Key ─► 404 {"detail"}         (the admin API is off)
/// no / bad credentials  ─► 401 {"detail"}
/// JWT: signature, exp, password version ─► handler
/// address over its failed-attempt limit ─► 429 {"detail"} + Retry-After   (before any key is checked)
/// raw key (not on /admin/verify): fixed-time compare with the key or changed password ─► handler
///                                 wrong ─► counted against the address ─► 401
/// </code>
/// A valid JWT is checked first: it cannot be guessed, and an operator who holds one keeps working while an attacker
/// behind the same address is locked out. Wrong raw keys cost one HMAC, never a password hash (see
/// <see cref="AdminCredentials.CheckPassword"/>), and at most <see cref="LoginRateLimiter.PermitsPerWindow"/> per
/// address and minute are answered (issue #13).
/// </remarks>
internal sealed class AdminAuthFilter(bool jwtOnly) : IEndpointFilter
{
    public const string ExpiresItemKey = "LlmRelay.Admin.Expires";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var credentials = http.RequestServices.GetRequiredService<AdminCredentials>();
        if (!credentials.Enabled)
        {
            return Disabled();
        }

        await credentials.EnsureLoadedAsync(http.RequestServices.GetRequiredService<IOptionStore>(), http.RequestAborted).ConfigureAwait(false);
        var authorization = http.Request.Headers.Authorization.ToString().Trim();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= 7)
        {
            return AdminResults.Detail("Send 'Authorization: Bearer <admin JWT>'" + (jwtOnly ? "." : " or the admin key."), StatusCodes.Status401Unauthorized);
        }

        var presented = authorization[7..].Trim();
        if (await credentials.ValidateAsync(presented).ConfigureAwait(false) is { } expires)
        {
            http.Items[ExpiresItemKey] = expires;
            return await next(context).ConfigureAwait(false);
        }

        if (jwtOnly)
        {
            return AdminResults.Detail("The admin JWT is invalid or expired.", StatusCodes.Status401Unauthorized);
        }

        var limiter = http.RequestServices.GetRequiredService<ILoginRateLimiter>();
        var address = http.Connection.RemoteIpAddress;
        if (await limiter.LimitedForAsync(address, LoginRateLimiter.AdminName, http.RequestAborted).ConfigureAwait(false) is { } retryAfter)
        {
            return TooManyAttempts(http, retryAfter);
        }

        if (credentials.CheckPassword(presented))
        {
            return await next(context).ConfigureAwait(false);
        }

        await limiter.RecordFailureAsync(address, LoginRateLimiter.AdminName, http.RequestAborted).ConfigureAwait(false);
        AdminLog.LoginFailed(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LlmRelay.Management.Admin"), address?.ToString() ?? "unknown");
        return AdminResults.Detail("Invalid admin key, or the admin JWT is invalid or expired.", StatusCodes.Status401Unauthorized);
    }

    public static IResult Disabled() =>
        AdminResults.Detail($"The admin API is disabled: set {AdminCredentials.KeySetting} to enable it.", StatusCodes.Status404NotFound);

    /// <summary>429 with <c>Retry-After</c> (whole seconds, at least 1) for an address that used up its failed attempts.</summary>
    public static IResult TooManyAttempts(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return AdminResults.Detail(
            string.Create(CultureInfo.InvariantCulture, $"Too many failed admin sign-in attempts from this address; try again in {seconds} seconds."),
            StatusCodes.Status429TooManyRequests);
    }
}
