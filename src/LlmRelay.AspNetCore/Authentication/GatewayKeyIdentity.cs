using System.Globalization;
using System.Security.Claims;
using LlmRelay.Tokens;

namespace LlmRelay.AspNetCore.Authentication;

/// <summary>The identity of an authenticated gateway key: the claims named in <see cref="GatewayKeyDefaults"/>, and the cached token itself for the relay.</summary>
/// <remarks>The relay reads <see cref="Token"/> rather than the claims, so it never parses them or looks the key up again.</remarks>
internal sealed class GatewayKeyIdentity : ClaimsIdentity
{
    // The claims are made the first time anything reads them: the relay itself reads only Token, so a relayed call
    // does not pay for four claims and their strings.
    private bool _claimsMade;

    public GatewayKeyIdentity(TokenEntry token, string authenticationType)
        : base(authenticationType)
    {
        Token = token;
    }

    private GatewayKeyIdentity(GatewayKeyIdentity other)
        : base(other.MadeClaims())
    {
        Token = other.Token;
        _claimsMade = true;
    }

    /// <inheritdoc/>
    public override IEnumerable<Claim> Claims => MadeClaims().BaseClaims;

    private IEnumerable<Claim> BaseClaims => base.Claims;

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

    private GatewayKeyIdentity MadeClaims()
    {
        if (!_claimsMade)
        {
            _claimsMade = true;

            // Claims made with this identity as their subject are kept as they are; others would be cloned on the way in.
            Add(GatewayKeyDefaults.TokenIdClaimType, Token.Id.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);
            Add(ClaimTypes.Name, Token.Name, ClaimValueTypes.String);
            Add(GatewayKeyDefaults.UserIdClaimType, Token.UserId.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);
            Add(GatewayKeyDefaults.GroupClaimType, Token.Group, ClaimValueTypes.String);
        }

        return this;
    }

    private void Add(string type, string value, string valueType) =>
        AddClaim(new Claim(type, value, valueType, DefaultIssuer, DefaultIssuer, this));
}
