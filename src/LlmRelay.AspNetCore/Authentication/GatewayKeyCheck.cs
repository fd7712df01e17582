using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Authentication;

/// <summary>Answers a refused gateway key over HTTP: <see cref="TokenChecks"/>' status, code and message in the caller's error shape.</summary>
/// <remarks>The checks themselves are Core's <see cref="TokenChecks"/>, which the in-process <c>RelayChatClient</c> uses too.</remarks>
internal static class GatewayKeyCheck
{
    /// <summary>Answers <paramref name="refusal"/> with its status code and error in the caller's shape.</summary>
    public static Task WriteRefusalAsync(HttpContext context, RelayErrorWriter errors, TokenRefusal refusal, string? key, TokenEntry? token)
    {
        var error = TokenChecks.ErrorOf(refusal, key, token);
        return errors.WriteAsync(context, error.Status, error.Kind, error.Message, error.Code);
    }
}
