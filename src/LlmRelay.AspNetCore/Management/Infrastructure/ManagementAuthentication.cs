using System.Globalization;
using System.Security.Claims;
using LlmRelay.Storage;
using LlmRelay.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Finds the user a request is signed in as, with LlmRelay's own schemes; shared by <see cref="ManagementAuthFilter"/> and the dashboard.</summary>
/// <remarks>
/// A session cookie issued under an older <see cref="RelayUser.SecurityStamp"/> (sign-out, password, role or status
/// change), or of a user who is gone, is dropped from the response here, for the API and the dashboard alike.
/// </remarks>
internal static class ManagementAuthentication
{
    /// <summary>Returns the user signed in by the session cookie or, unless <paramref name="sessionOnly"/>, by an access token; <see langword="null"/> when none is.</summary>
    /// <remarks>Does not check <see cref="RelayUser.Status"/> or the role: callers decide what a disabled user may do.</remarks>
    public static async Task<RelayUser?> AuthenticateAsync(HttpContext http, bool sessionOnly = false)
    {
        var users = http.RequestServices.GetRequiredService<IUserStore>();
        var session = await http.AuthenticateAsync(ManagementSchemes.Session).ConfigureAwait(false);
        if (session.Succeeded && session.Principal is { } cookie && UserId(http, cookie, sessionOnly) is { } sessionUserId)
        {
            var user = await users.FindAsync(sessionUserId, http.RequestAborted).ConfigureAwait(false);
            if (user is not null && UserSessions.IsCurrent(cookie, user))
            {
                http.Items[ManagementAuthFilter.SessionItemKey] = true;
                return user;
            }

            // The session was ended (sign-out, password, role or status change) or the user is gone: drop the cookie.
            await http.SignOutAsync(ManagementSchemes.Session).ConfigureAwait(false);
        }

        if (sessionOnly)
        {
            return null;
        }

        var token = await http.AuthenticateAsync(ManagementSchemes.AccessToken).ConfigureAwait(false);
        return token.Succeeded && token.Principal is { } principal && UserId(http, principal, sessionOnly) is { } id
            ? await users.FindAsync(id, http.RequestAborted).ConfigureAwait(false)
            : null;
    }

    private static long? UserId(HttpContext http, ClaimsPrincipal principal, bool sessionOnly)
    {
        if (!long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }

        // A session may also send New-Api-User; when it does, it must name the signed-in user (the dashboard's pages ignore the header).
        var claimed = sessionOnly ? "" : http.Request.Headers[ManagementSchemes.UserHeader].ToString();
        return claimed.Length > 0 && claimed != id.ToString(CultureInfo.InvariantCulture) ? null : id;
    }
}
