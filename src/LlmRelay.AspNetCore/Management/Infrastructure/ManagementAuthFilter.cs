using System.Globalization;
using System.Security.Claims;
using LlmRelay.Storage;
using LlmRelay.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Authenticates a management request with LlmRelay's own schemes and authorizes it against the route's level.</summary>
/// <remarks>
/// Runs as an endpoint filter rather than through the authorization middleware so that refusals use the
/// management envelope and the host app's default schemes and challenge behaviour are never involved.
/// <code>
/// session cookie ──┐
///                  ├─> user id ─> load user (status, current role) ─> policy LlmRelay.{User,Admin,Root} ─> handler
/// bearer + header ─┘
/// </code>
/// </remarks>
internal sealed class ManagementAuthFilter(AccessLevel level) : IEndpointFilter
{
    public const string UserItemKey = "LlmRelay.User";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var user = await AuthenticateAsync(http).ConfigureAwait(false);
        if (user is not null)
        {
            http.Items[UserItemKey] = user;
        }

        if (level == AccessLevel.Public)
        {
            return await next(context).ConfigureAwait(false);
        }

        if (user is null)
        {
            return ApiResult.Unauthorized();
        }

        if (user.Status != UserStatus.Enabled)
        {
            return ApiResult.Forbidden("This user is disabled.");
        }

        var principal = AccessTokenAuthenticationHandler.CreatePrincipal(user, "LlmRelay");
        var authorization = http.RequestServices.GetRequiredService<IAuthorizationService>();
        var result = await authorization.AuthorizeAsync(principal, ManagementSchemes.PolicyFor(level)).ConfigureAwait(false);
        return result.Succeeded ? await next(context).ConfigureAwait(false) : ApiResult.Forbidden();
    }

    private static async Task<RelayUser?> AuthenticateAsync(HttpContext http)
    {
        var session = await http.AuthenticateAsync(ManagementSchemes.Session).ConfigureAwait(false);
        var principal = session.Succeeded ? session.Principal : null;
        if (principal is null)
        {
            var token = await http.AuthenticateAsync(ManagementSchemes.AccessToken).ConfigureAwait(false);
            principal = token.Succeeded ? token.Principal : null;
        }

        if (principal is null ||
            !long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }

        // A session may also send New-Api-User; when it does, it must name the signed-in user.
        var claimed = http.Request.Headers[ManagementSchemes.UserHeader].ToString();
        if (claimed.Length > 0 && claimed != id.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return await http.RequestServices.GetRequiredService<IUserStore>().FindAsync(id, http.RequestAborted).ConfigureAwait(false);
    }
}
