using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>
/// Carries a key the tokens page just created across its POST-redirect-GET: the POST puts it in a short-lived cookie,
/// protected with ASP.NET Core Data Protection, and the GET that follows shows it once and deletes the cookie.
/// </summary>
/// <remarks>
/// Rendering the key as the POST's answer made the browser's reload send the form again and create a second key
/// (issue #15). The key never appears in a URL (which would reach logs and the history); only the full key's owner's
/// browser holds the cookie, for <see cref="Lifetime"/>, scoped to the tokens page and unreadable by scripts. The
/// expiry is part of the protected payload and read from <see cref="TimeProvider"/>, so any gateway instance sharing
/// the Data Protection keys can show it.
/// </remarks>
internal static class NewKeyHandoff
{
    /// <summary>The cookie's name.</summary>
    public const string Cookie = "llmrelay_new_key";

    /// <summary>How long the redirect may take before the key is no longer shown.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private const string Purpose = "LlmRelay.Dashboard.NewTokenKey.v1";

    /// <summary>Hands <paramref name="key"/> of <paramref name="tokenId"/>, created by <paramref name="userId"/>, to the next GET of <paramref name="path"/>.</summary>
    public static void Give(HttpContext context, string path, long userId, long tokenId, string key)
    {
        var expires = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() + Lifetime;
        var payload = string.Join('\n', expires.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), userId.ToString(CultureInfo.InvariantCulture), tokenId.ToString(CultureInfo.InvariantCulture), key);
        context.Response.Cookies.Append(Cookie, Protector(context).Protect(payload), Options(context, path));
    }

    /// <summary>Takes the handed key when the cookie holds one for <paramref name="userId"/> that has not expired; the cookie is deleted either way.</summary>
    /// <returns>The token's id and full key, or <see langword="null"/>.</returns>
    public static (long TokenId, string Key)? Take(HttpContext context, string path, long userId)
    {
        if (context.Request.Cookies[Cookie] is not { Length: > 0 } protectedPayload)
        {
            return null;
        }

        context.Response.Cookies.Delete(Cookie, Options(context, path));
        string payload;
        try
        {
            payload = Protector(context).Unprotect(protectedPayload);
        }
        catch (CryptographicException)
        {
            return null; // Tampered with, or protected with keys this instance does not have.
        }

        var parts = payload.Split('\n', 4);
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds();
        return parts.Length == 4
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) && now <= expires
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var owner) && owner == userId
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var tokenId)
            ? (tokenId, parts[3])
            : null;
    }

    private static IDataProtector Protector(HttpContext context) =>
        context.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);

    private static CookieOptions Options(HttpContext context, string path) => new()
    {
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        SameSite = SameSiteMode.Strict,
        Path = path,
        MaxAge = Lifetime,
        IsEssential = true,
    };
}
