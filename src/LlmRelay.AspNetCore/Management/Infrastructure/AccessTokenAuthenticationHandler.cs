using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Authenticates <c>Authorization: Bearer &lt;access token&gt;</c> together with <c>New-Api-User: &lt;id&gt;</c>, which must name the token's owner.</summary>
internal sealed class AccessTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var token = header["Bearer ".Length..].Trim();
        if (token.Length == 0 || token.StartsWith(ApiKeys.Prefix, StringComparison.Ordinal))
        {
            // Gateway keys (sk-...) authenticate the relay, never the management API.
            return AuthenticateResult.NoResult();
        }

        if (!long.TryParse(Request.Headers[ManagementSchemes.UserHeader].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var claimedId))
        {
            return AuthenticateResult.Fail($"The {ManagementSchemes.UserHeader} header is required with an access token.");
        }

        var store = Context.RequestServices.GetRequiredService<IUserStore>();
        var user = await store.FindByAccessTokenHashAsync(ApiKeys.Hash(token), Context.RequestAborted).ConfigureAwait(false);
        if (user is null || user.Id != claimedId)
        {
            return AuthenticateResult.Fail("Invalid access token.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(CreatePrincipal(user, Scheme.Name), Scheme.Name));
    }

    public static ClaimsPrincipal CreatePrincipal(RelayUser user, string scheme) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, user.Username),
                new Claim(ManagementSchemes.RoleClaim, ((int)user.Role).ToString(CultureInfo.InvariantCulture)),
            ],
            scheme));
}
