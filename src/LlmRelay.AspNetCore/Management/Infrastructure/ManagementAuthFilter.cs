using LlmRelay.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Authenticates a management request with LlmRelay's own schemes and authorizes it against the route's level.</summary>
/// <remarks>
/// Runs as an endpoint filter rather than through the authorization middleware so that refusals use the
/// management envelope and the host app's default schemes and challenge behaviour are never involved.
/// <code>
/// POST/PUT/PATCH/DELETE: cross-site with the session cookie ─► 403, body not JSON ─► 415   (CrossSiteRequestPolicy)
/// session cookie ─► user id ─► load user ─► cookie's stamp = user's stamp? ──no──► cookie dropped, try the access token
///                                    │yes
/// bearer + header ───────────────────┴─> user (status, current role) ─> policy LlmRelay.{User,Admin,Root} ─> handler
/// </code>
/// </remarks>
internal sealed class ManagementAuthFilter(AccessLevel level) : IEndpointFilter
{
    public const string UserItemKey = "LlmRelay.User";
    public const string SessionItemKey = "LlmRelay.Session";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.RequestServices.GetRequiredService<CrossSiteRequestPolicy>().Check(http.Request) is { } refused)
        {
            return refused;
        }

        var user = await ManagementAuthentication.AuthenticateAsync(http).ConfigureAwait(false);
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
}
