using System.Globalization;
using System.Security.Claims;
using LlmRelay.Tokens;

namespace LlmRelay.AspNetCore.Authentication;

/// <summary>The identity of an authenticated gateway key: the claims named in <see cref="GatewayKeyDefaults"/>, and the cached token itself for the relay.</summary>
/// <remarks>The relay reads <see cref="Token"/> rather than the claims, so it never parses them or looks the key up again.</remarks>
internal sealed class GatewayKeyIdentity : ClaimsIdentity
{
    public GatewayKeyIdentity(TokenEntry token, string authenticationType)
        : base(authenticationType)
    {
        Token = token;

        // Claims made with this identity as their subject are kept as they are; others would be cloned on the way in.
        Add(GatewayKeyDefaults.TokenIdClaimType, token.Id.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);
        Add(ClaimTypes.Name, token.Name, ClaimValueTypes.String);
        Add(GatewayKeyDefaults.UserIdClaimType, token.UserId.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);
        Add(GatewayKeyDefaults.GroupClaimType, token.Group, ClaimValueTypes.String);
    }

    private GatewayKeyIdentity(GatewayKeyIdentity other)
        : base(other)
    {
        Token = other.Token;
    }

    /// <summary>Gets the token the key resolved to, as <see cref="TokenCache"/> holds it.</summary>
    public TokenEntry Token { get; }

    /// <summary>Returns the gateway-key token among <paramref name="principal"/>'s identities, or <see langword="null"/>.</summary>
    public static TokenEntry? TokenOf(ClaimsPrincipal? principal)
    {
        if (principal is not null)
        {
            foreach (var identity in principal.Identities)
            {
                if (identity is GatewayKeyIdentity { IsAuthenticated: true } key)
                {
                    return key.Token;
                }
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public override ClaimsIdentity Clone() => new GatewayKeyIdentity(this);

    private void Add(string type, string value, string valueType) =>
        AddClaim(new Claim(type, value, valueType, DefaultIssuer, DefaultIssuer, this));
}
