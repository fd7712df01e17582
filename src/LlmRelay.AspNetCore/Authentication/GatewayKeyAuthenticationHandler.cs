using System.Security.Claims;
using System.Text.Encodings.Web;
using LlmRelay.AspNetCore.Relay;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Pipeline;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Authentication;

/// <summary>The <see cref="GatewayKeyDefaults.AuthenticationScheme"/> handler: authenticates a gateway key and answers refusals in the caller's own error shape.</summary>
/// <remarks>
/// <code>
/// authenticate: key (GatewayKeyReader) ─► TokenCache ─► GatewayKeyCheck ─► GatewayKeyIdentity (success)
///                  │none                                    │refused
///                  ▼                                        ▼
///               NoResult                         Fail (the refusal is kept for the challenge)
/// challenge: the refusal (401, 403 or 429, as the relay always answered) in the endpoint's error shape
/// forbid:    the refusal when the key did not authenticate, else 403 permission_denied
/// </code>
/// The error shape comes from the endpoint's <see cref="RelayErrorWriter"/> metadata (every relay endpoint has one);
/// an app's own endpoint gets the shape the request's headers suggest, as <c>GET /v1/models</c> does (see
/// <see cref="ModelsEndpoint.ShapeOf"/>). A new handler serves each request, so the kept refusal is that request's.
/// </remarks>
internal sealed class GatewayKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenCache tokens,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    // The handler raises no events; sharing one events object saves an allocation per request.
    private static readonly Task<object> NoEvents = Task.FromResult(new object());

    private TokenRefusal _failure = TokenRefusal.Missing;
    private string? _key;
    private TokenEntry? _token;

    /// <summary>Gets the token this handler authenticated, or <see langword="null"/> when it did not (yet) authenticate one.</summary>
    public TokenEntry? AuthenticatedToken => _failure == TokenRefusal.None ? _token : null;

    protected override Task<object> CreateEventsAsync() => NoEvents;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = GatewayKeyReader.Read(Request);
        if (key is null)
        {
            return AuthenticateResult.NoResult();
        }

        var token = await tokens.FindAsync(key, Context.RequestAborted).ConfigureAwait(false);
        _key = key;
        _token = token;
        _failure = TokenChecks.Check(token, Context.Connection.RemoteIpAddress, time.GetUtcNow());
        if (_failure != TokenRefusal.None)
        {
            return AuthenticateResult.Fail(TokenChecks.MessageOf(_failure, key, token));
        }

        var principal = new ClaimsPrincipal(new GatewayKeyIdentity(token!, Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // A challenge may come first (HttpContext.ChallengeAsync without authorization); the refusal needs the check.
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        if (result.Succeeded)
        {
            await WriteForbiddenAsync().ConfigureAwait(false);
            return;
        }

        await GatewayKeyCheck.WriteRefusalAsync(Context, ErrorsFor(Context), _failure, _key, _token).ConfigureAwait(false);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        // A policy that also accepts another scheme forbids rather than challenges when that scheme authenticated the
        // caller; without a valid gateway key, the caller still reads why the key was refused.
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        if (!result.Succeeded)
        {
            await GatewayKeyCheck.WriteRefusalAsync(Context, ErrorsFor(Context), _failure, _key, _token).ConfigureAwait(false);
            return;
        }

        await WriteForbiddenAsync().ConfigureAwait(false);
    }

    /// <summary>Returns the error shape of the endpoint <paramref name="context"/> reached, or the one its headers suggest.</summary>
    internal static RelayErrorWriter ErrorsFor(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RelayErrorWriter>() ?? ModelsEndpoint.ErrorsFor(ModelsEndpoint.ShapeOf(context.Request));

    private Task WriteForbiddenAsync() =>
        ErrorsFor(Context).WriteAsync(Context, 403, RelayErrorKind.Permission, "This API key may not use this endpoint.", "permission_denied");
}
