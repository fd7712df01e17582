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
/// relay endpoint ─► GatewayKeyGate: GatewayKeyReader ─► TokenCache ─► GatewayKeyCheck (the scheme handler's own steps)
///                        │ success: HttpContext.User gains the key's identity; the endpoint gets the cached token
///                        │ refused: GatewayKeyCheck.WriteRefusalAsync in the endpoint's error shape, as the handler's challenge
/// </code>
/// Why not <c>RequireAuthorization(GatewayKeyDefaults.PolicyName)</c> on the relay's route group: that needs
/// <c>UseAuthorization()</c> in the host (hosts that call <c>UseRouting()</c> themselves, and hosts that never called
/// <c>AddAuthorization()</c>, such as the <c>llmrelay-api</c> template, have none, and the endpoint middleware then
/// throws), it would run the host's <c>IClaimsTransformation</c> on every relay call, and the authorization service
/// allocates per call. The management API keeps its refusals out of the host's pipeline the same way
/// (<c>ManagementAuthFilter</c>). The gate takes the scheme handler's steps itself (the same reader,
/// cache, checks, identity and refusal writer), whether or not the host registered the scheme, without allocating a handler,
/// an authenticate result, a ticket and its properties per call; hosts that registered the scheme can still add the policy
/// to the group, and the gate then takes the key the policy authenticated. Thread-safe: one gate serves every request.
/// </remarks>
internal sealed class GatewayKeyGate(TokenCache tokens, TimeProvider time)
{
    /// <summary>Returns the caller's token, or answers the refusal in the endpoint's error shape and returns <see langword="null"/>.</summary>
    public async ValueTask<TokenEntry?> AuthenticateAsync(HttpContext context)
    {
        // The host's pipeline may have authenticated the key already (the policy on the group, or the scheme as its
        // default): its result is this request's, so the key is not looked up again.
        if (GatewayKeyIdentity.TokenOf(context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Principal) is { } authenticated)
        {
            return authenticated;
        }

        // The scheme's own steps (GatewayKeyAuthenticationHandler runs the same ones for the policy), without a handler,
        // result, ticket and properties per call: about 1.2 KB a relayed call does not need (RelayPipelineBenchmarks).
        var key = GatewayKeyReader.Read(context.Request);
        var token = key is null ? null : await tokens.FindAsync(key, context.RequestAborted).ConfigureAwait(false);
        var failure = key is null ? TokenRefusal.Missing : TokenChecks.Check(token, context.Connection.RemoteIpAddress, time.GetUtcNow());
        if (failure != TokenRefusal.None)
        {
            await GatewayKeyCheck.WriteRefusalAsync(context, GatewayKeyAuthenticationHandler.ErrorsFor(context), failure, key, token).ConfigureAwait(false);
            return null;
        }

        var principal = new ClaimsPrincipal(new GatewayKeyIdentity(token!, GatewayKeyDefaults.AuthenticationScheme));
        context.User = WithKey(context.Features.Get<IHttpAuthenticationFeature>()?.User, principal);
        return token!;
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
