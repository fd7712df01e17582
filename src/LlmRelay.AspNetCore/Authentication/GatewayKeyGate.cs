using System.Security.Claims;
using System.Text.Encodings.Web;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Authentication;

/// <summary>Runs the gateway-key scheme for the relay's own endpoints, so that they need neither the authentication nor the authorization middleware.</summary>
/// <remarks>
/// <code>
/// relay endpoint ─► GatewayKeyGate ─► GatewayKeyAuthenticationHandler.AuthenticateAsync
///                        │ success: HttpContext.User gains the key's identity; the endpoint gets the cached token
///                        │ refused: handler.ChallengeAsync answers in the endpoint's error shape; the endpoint stops
/// </code>
/// Why not <c>RequireAuthorization(GatewayKeyDefaults.PolicyName)</c> on the relay's route group: that needs
/// <c>UseAuthorization()</c> in the host (hosts that call <c>UseRouting()</c> themselves, and hosts that never called
/// <c>AddAuthorization()</c>, such as the <c>llmrelay-api</c> template, have none, and the endpoint middleware then
/// throws), it would run the host's <c>IClaimsTransformation</c> on every relay call, and the authorization service
/// allocates per call. The management API keeps its refusals out of the host's pipeline the same way
/// (<c>ManagementAuthFilter</c>). The gate runs its own handler instance, configured by the scheme's named
/// <see cref="AuthenticationSchemeOptions"/>, whether or not the host registered the scheme; hosts that did can still add
/// the policy to the group, and the gate then takes the key the policy authenticated.
/// Thread-safe: one gate serves every request, one handler serves one request.
/// </remarks>
internal sealed class GatewayKeyGate(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    TokenCache tokens,
    TimeProvider time)
{
    private static readonly AuthenticationScheme Scheme = new(GatewayKeyDefaults.AuthenticationScheme, null, typeof(GatewayKeyAuthenticationHandler));

    /// <summary>Returns the caller's token, or answers the refusal in the endpoint's error shape and returns <see langword="null"/>.</summary>
    public async ValueTask<TokenEntry?> AuthenticateAsync(HttpContext context)
    {
        // The host's pipeline may have authenticated the key already (the policy on the group, or the scheme as its
        // default): its result is this request's, so the key is not looked up again.
        if (GatewayKeyIdentity.TokenOf(context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Principal) is { } authenticated)
        {
            return authenticated;
        }

        var handler = new GatewayKeyAuthenticationHandler(options, loggerFactory, UrlEncoder.Default, tokens, time);
        await handler.InitializeAsync(Scheme, context).ConfigureAwait(false);
        var result = await handler.AuthenticateAsync().ConfigureAwait(false);
        var token = result.Succeeded ? handler.AuthenticatedToken ?? GatewayKeyIdentity.TokenOf(result.Principal) : null;
        if (token is null)
        {
            await handler.ChallengeAsync(null).ConfigureAwait(false);
            return null;
        }

        context.User = WithKey(context.Features.Get<IHttpAuthenticationFeature>()?.User, result.Principal!);
        return token;
    }

    // The host's authenticated identities stay first (User.Identity is still the host's), the key's identity follows.
    private static ClaimsPrincipal WithKey(ClaimsPrincipal? current, ClaimsPrincipal key)
    {
        if (current is null || !current.Identities.Any(static i => i.IsAuthenticated))
        {
            return key;
        }

        var merged = new ClaimsPrincipal(current.Identities.Where(static i => i.IsAuthenticated));
        merged.AddIdentities(key.Identities);
        return merged;
    }
}
