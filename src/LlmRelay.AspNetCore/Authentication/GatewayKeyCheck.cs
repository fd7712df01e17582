using System.Net;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Pipeline;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Authentication;

/// <summary>The one implementation of the checks a gateway key must pass before a relay call (issue #14), and how a refusal reads.</summary>
/// <remarks>
/// <code>
/// no key ─► 401 missing_api_key
/// unknown ─► 401 invalid_api_key      disabled ─► 401 api_key_disabled      owner disabled ─► 403 user_disabled
/// group not the owner's ─► 403 group_not_allowed      expired ─► 401 api_key_expired
/// address not allowed ─► 403 ip_not_allowed      quota used up ─► 429 insufficient_quota
/// </code>
/// The first failing check wins, so a key that is both expired and owned by a disabled user reads as the latter.
/// The model allow-list is not checked here: the model is in the request body, so the relay pipeline, the models list
/// and count_tokens apply it. The in-process client (<c>RelayChatClient</c> in LlmRelay.Core, which has no HTTP
/// request and no caller address) keeps its own copy of these checks.
/// </remarks>
internal static class GatewayKeyCheck
{
    /// <summary>Returns why <paramref name="token"/> may not be used by a caller at <paramref name="address"/> at <paramref name="now"/>, or <see cref="GatewayKeyFailure.None"/>.</summary>
    public static GatewayKeyFailure Check(TokenEntry? token, IPAddress? address, DateTimeOffset now)
    {
        if (token is null)
        {
            return GatewayKeyFailure.Unknown;
        }

        if (token.Status == TokenStatus.Disabled)
        {
            return GatewayKeyFailure.Disabled;
        }

        if (!token.UserEnabled)
        {
            return GatewayKeyFailure.UserDisabled;
        }

        if (!token.GroupUsable)
        {
            return GatewayKeyFailure.GroupNotAllowed;
        }

        if (token.Status == TokenStatus.Expired || (token.ExpiresAt is { } expires && expires <= now))
        {
            return GatewayKeyFailure.Expired;
        }

        if (!token.AllowsAddress(address))
        {
            return GatewayKeyFailure.AddressNotAllowed;
        }

        return !token.UnlimitedQuota && (token.Status == TokenStatus.Exhausted || token.RemainQuota <= 0)
            ? GatewayKeyFailure.QuotaExhausted
            : GatewayKeyFailure.None;
    }

    /// <summary>Returns the caller-facing message for <paramref name="failure"/>; never the key itself, only its mask.</summary>
    public static string MessageOf(GatewayKeyFailure failure, string? key, TokenEntry? token) => failure switch
    {
        GatewayKeyFailure.Unknown => $"Incorrect API key provided: {ApiKeys.Mask(key ?? "")}.",
        GatewayKeyFailure.Disabled => "This API key is disabled.",
        GatewayKeyFailure.UserDisabled => "The user who owns this API key is disabled.",
        GatewayKeyFailure.GroupNotAllowed => token?.GroupRefusal() ?? "This API key's group is not available to its owner.",
        GatewayKeyFailure.Expired => "This API key has expired.",
        GatewayKeyFailure.AddressNotAllowed => "This API key may not be used from this address.",
        GatewayKeyFailure.QuotaExhausted => "This API key has used all of its quota.",
        _ => "You didn't provide an API key. Send it as 'Authorization: Bearer sk-...'.",
    };

    /// <summary>Answers <paramref name="failure"/> with its status code and error in the caller's shape.</summary>
    public static Task WriteRefusalAsync(HttpContext context, RelayErrorWriter errors, GatewayKeyFailure failure, string? key, TokenEntry? token)
    {
        var (status, kind, code) = failure switch
        {
            GatewayKeyFailure.Unknown => (401, RelayErrorKind.Authentication, "invalid_api_key"),
            GatewayKeyFailure.Disabled => (401, RelayErrorKind.Authentication, "api_key_disabled"),
            GatewayKeyFailure.UserDisabled => (403, RelayErrorKind.Permission, "user_disabled"),
            GatewayKeyFailure.GroupNotAllowed => (403, RelayErrorKind.Permission, "group_not_allowed"),
            GatewayKeyFailure.Expired => (401, RelayErrorKind.Authentication, "api_key_expired"),
            GatewayKeyFailure.AddressNotAllowed => (403, RelayErrorKind.Permission, "ip_not_allowed"),
            GatewayKeyFailure.QuotaExhausted => (429, RelayErrorKind.InsufficientQuota, "insufficient_quota"),
            _ => (401, RelayErrorKind.Authentication, "missing_api_key"),
        };
        return errors.WriteAsync(context, status, kind, MessageOf(failure, key, token), code);
    }
}
