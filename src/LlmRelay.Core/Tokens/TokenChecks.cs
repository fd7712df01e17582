using System.Net;
using LlmRelay.Pipeline;

namespace LlmRelay.Tokens;

/// <summary>The one implementation of the checks a gateway key must pass before a relayed call, and how a refusal reads (issue #14).</summary>
/// <remarks>
/// <code>
/// no key ─► 401 missing_api_key
/// unknown ─► 401 invalid_api_key      disabled ─► 401 api_key_disabled      owner disabled ─► 403 user_disabled
/// group not the owner's ─► 403 group_not_allowed      expired ─► 401 api_key_expired
/// address not allowed ─► 403 ip_not_allowed      quota used up ─► 429 insufficient_quota
/// </code>
/// The first failing check wins, so a key that is both expired and owned by a disabled user reads as the latter. Used by
/// the <c>LlmRelay.GatewayKey</c> authentication scheme and the relay endpoints (LlmRelay.AspNetCore) and by the in-process
/// <see cref="Client.RelayChatClient"/>. The model allow-list is not checked here: the model is in the request, so the
/// relay pipeline applies it.
/// </remarks>
public static class TokenChecks
{
    /// <summary>Returns why <paramref name="token"/> may not be used by a caller at <paramref name="address"/> at <paramref name="now"/>, or <see cref="TokenRefusal.None"/>.</summary>
    /// <param name="token">The token the key resolved to, or <see langword="null"/> when no token has the key.</param>
    /// <param name="address">The caller's address, checked against the token's allowed networks.</param>
    /// <param name="now">The current time, from the injected <see cref="TimeProvider"/>.</param>
    /// <returns>The first check that fails, or <see cref="TokenRefusal.None"/>.</returns>
    public static TokenRefusal Check(TokenEntry? token, IPAddress? address, DateTimeOffset now)
    {
        var refusal = Check(token, now);
        return refusal == TokenRefusal.None || refusal == TokenRefusal.QuotaExhausted
            ? (token!.AllowsAddress(address) ? refusal : TokenRefusal.AddressNotAllowed)
            : refusal;
    }

    /// <summary>Returns why <paramref name="token"/> may not be used at <paramref name="now"/> by an in-process caller (no address to check), or <see cref="TokenRefusal.None"/>.</summary>
    /// <param name="token">The token the key resolved to, or <see langword="null"/> when no token has the key.</param>
    /// <param name="now">The current time, from the injected <see cref="TimeProvider"/>.</param>
    /// <returns>The first check that fails, or <see cref="TokenRefusal.None"/>.</returns>
    public static TokenRefusal Check(TokenEntry? token, DateTimeOffset now)
    {
        if (token is null)
        {
            return TokenRefusal.Unknown;
        }

        if (token.Status == TokenStatus.Disabled)
        {
            return TokenRefusal.Disabled;
        }

        if (!token.UserEnabled)
        {
            return TokenRefusal.UserDisabled;
        }

        if (!token.GroupUsable)
        {
            return TokenRefusal.GroupNotAllowed;
        }

        if (token.Status == TokenStatus.Expired || (token.ExpiresAt is { } expires && expires <= now))
        {
            return TokenRefusal.Expired;
        }

        return !token.UnlimitedQuota && (token.Status == TokenStatus.Exhausted || token.RemainQuota <= 0)
            ? TokenRefusal.QuotaExhausted
            : TokenRefusal.None;
    }

    /// <summary>Returns the caller-facing message for <paramref name="refusal"/>; never the key itself, only its mask.</summary>
    /// <param name="refusal">Why the key was refused.</param>
    /// <param name="key">The key the caller sent, or <see langword="null"/>.</param>
    /// <param name="token">The token the key resolved to, or <see langword="null"/>.</param>
    /// <returns>The message.</returns>
    public static string MessageOf(TokenRefusal refusal, string? key, TokenEntry? token) => refusal switch
    {
        TokenRefusal.Unknown => $"Incorrect API key provided: {ApiKeys.Mask(key ?? "")}.",
        TokenRefusal.Disabled => "This API key is disabled.",
        TokenRefusal.UserDisabled => "The user who owns this API key is disabled.",
        TokenRefusal.GroupNotAllowed => token?.GroupRefusal() ?? "This API key's group is not available to its owner.",
        TokenRefusal.Expired => "This API key has expired.",
        TokenRefusal.AddressNotAllowed => "This API key may not be used from this address.",
        TokenRefusal.QuotaExhausted => "This API key has used all of its quota.",
        _ => "You didn't provide an API key. Send it as 'Authorization: Bearer sk-...'.",
    };

    /// <summary>Returns <paramref name="refusal"/> as the error each caller family renders: its status, kind, message and code.</summary>
    /// <param name="refusal">Why the key was refused (not <see cref="TokenRefusal.None"/>).</param>
    /// <param name="key">The key the caller sent, or <see langword="null"/>.</param>
    /// <param name="token">The token the key resolved to, or <see langword="null"/>.</param>
    /// <returns>The error.</returns>
    public static RelayError ErrorOf(TokenRefusal refusal, string? key, TokenEntry? token)
    {
        var (status, kind, code) = refusal switch
        {
            TokenRefusal.Unknown => (401, RelayErrorKind.Authentication, "invalid_api_key"),
            TokenRefusal.Disabled => (401, RelayErrorKind.Authentication, "api_key_disabled"),
            TokenRefusal.UserDisabled => (403, RelayErrorKind.Permission, "user_disabled"),
            TokenRefusal.GroupNotAllowed => (403, RelayErrorKind.Permission, "group_not_allowed"),
            TokenRefusal.Expired => (401, RelayErrorKind.Authentication, "api_key_expired"),
            TokenRefusal.AddressNotAllowed => (403, RelayErrorKind.Permission, "ip_not_allowed"),
            TokenRefusal.QuotaExhausted => (429, RelayErrorKind.InsufficientQuota, "insufficient_quota"),
            _ => (401, RelayErrorKind.Authentication, "missing_api_key"),
        };
        return new RelayError(status, kind, MessageOf(refusal, key, token), code);
    }
}
