namespace LlmRelay.AspNetCore.Authentication;

/// <summary>Names of the gateway-key authentication scheme, its authorization policy and the claims it issues.</summary>
/// <remarks>
/// A gateway key (<c>sk-...</c>) is read from <c>Authorization: Bearer</c>, <c>x-api-key</c>, <c>x-goog-api-key</c> or
/// <c>?key=</c>, like the relay endpoints read it. An app protects its own endpoints with gateway keys through
/// <c>.RequireAuthorization(GatewayKeyDefaults.PolicyName)</c> once <c>AddGatewayKeyAuthentication()</c> (or
/// <c>AddManagementApi()</c>) was called; the principal then carries the claims named here.
/// </remarks>
public static class GatewayKeyDefaults
{
    /// <summary>The name of the authentication scheme that authenticates gateway keys.</summary>
    /// <value>The value is <c>LlmRelay.GatewayKey</c>.</value>
    public const string AuthenticationScheme = "LlmRelay.GatewayKey";

    /// <summary>The name of the authorization policy that requires a valid gateway key, authenticated by <see cref="AuthenticationScheme"/>.</summary>
    /// <value>The value is <c>LlmRelay.GatewayKey</c>.</value>
    public const string PolicyName = "LlmRelay.GatewayKey";

    /// <summary>The claim type of the token's id (the gateway key's row in the token store), an invariant-culture integer.</summary>
    /// <value>The value is <c>llmrelay_token_id</c>.</value>
    public const string TokenIdClaimType = "llmrelay_token_id";

    /// <summary>The claim type of the id of the user who owns the token, an invariant-culture integer (<c>0</c> for tokens declared in configuration).</summary>
    /// <value>The value is <c>llmrelay_user_id</c>.</value>
    public const string UserIdClaimType = "llmrelay_user_id";

    /// <summary>The claim type of the token's group, which selects the channels the key may reach.</summary>
    /// <value>The value is <c>llmrelay_group</c>.</value>
    public const string GroupClaimType = "llmrelay_group";
}
