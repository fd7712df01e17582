using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using LlmRelay.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Session cookies bound to the user's <see cref="RelayUser.SecurityStamp"/>, so that ending every session of a user is one write.</summary>
/// <remarks>
/// <code>
/// sign-in ─► cookie claims: id, name, role, stamp
/// request ─► ManagementAuthFilter loads the user row (it does anyway, for status and role) ─► stamp equal? ─► signed in
/// sign-out, password / role / status change ─► new stamp on the row ─► every earlier cookie, on every device, is refused
/// </code>
/// The check costs no query of its own: it compares the cookie's claim with the row the filter already loaded, so it
/// holds at once on every gateway instance sharing the database (issue #13).
/// </remarks>
internal static class UserSessions
{
    public static ClaimsPrincipal Principal(RelayUser user)
    {
        var principal = AccessTokenAuthenticationHandler.CreatePrincipal(user, ManagementSchemes.Session);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(ManagementSchemes.StampClaim, user.SecurityStamp));
        return principal;
    }

    /// <summary>Whether the cookie's principal was issued under the user's current stamp; a cookie without one never matches.</summary>
    public static bool IsCurrent(ClaimsPrincipal principal, RelayUser user) =>
        principal.FindFirstValue(ManagementSchemes.StampClaim) is { Length: > 0 } stamp
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(stamp), Encoding.UTF8.GetBytes(user.SecurityStamp));

    /// <summary>Gives the user a new stamp, which ends every session once the caller saves the user.</summary>
    public static void EndAll(RelayUser user) => user.SecurityStamp = RelayUser.NewSecurityStamp();

    /// <summary>Issues the session cookie for <paramref name="user"/> on <paramref name="context"/>'s response (the API's sign-in and the dashboard's alike).</summary>
    public static Task SignInAsync(HttpContext context, RelayUser user) => context.SignInAsync(ManagementSchemes.Session, Principal(user));

    /// <summary>Removes the session cookie from <paramref name="context"/>'s response.</summary>
    public static Task SignOutAsync(HttpContext context) => context.SignOutAsync(ManagementSchemes.Session);
}
