using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>The admin API's HS256 JSON Web Token: <c>sub</c> "admin", <c>iat</c>, <c>exp</c> and <c>pv</c> (password version).</summary>
/// <remarks>
/// Written and checked by <see cref="JsonWebTokenHandler"/> (Microsoft.IdentityModel.JsonWebTokens, issue #14) with one
/// signing key per <see cref="AdminCredentials"/>: only HS256 is accepted and the signature is verified before any claim is
/// read. Expiry is checked by the caller against its <see cref="TimeProvider"/>, not by the handler's clock.
/// </remarks>
internal sealed class AdminJwt
{
    private const string Subject = "admin";
    private const string PasswordVersionClaim = "pv";
    private const int MaxTokenLength = 4096;

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false, MaximumTokenSizeInBytes = MaxTokenLength };

    private readonly SigningCredentials _signing;
    private readonly TokenValidationParameters _validation;

    public AdminJwt(byte[] key)
    {
        var securityKey = new SymmetricSecurityKey(key);
        _signing = new SigningCredentials(securityKey, SecurityAlgorithms.HmacSha256);
        _validation = new TokenValidationParameters
        {
            IssuerSigningKey = securityKey,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false, // the caller compares exp with its TimeProvider
        };
    }

    public string Create(DateTimeOffset issuedAt, DateTimeOffset expiresAt, int passwordVersion) => Handler.CreateToken(new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = Subject, [PasswordVersionClaim] = passwordVersion },
        IssuedAt = issuedAt.UtcDateTime,
        Expires = expiresAt.UtcDateTime,
        SigningCredentials = _signing,
    });

    /// <summary>Checks the signature, algorithm and subject; returns the expiry and password version, or <see langword="null"/> when the token is not one of ours.</summary>
    public async ValueTask<(DateTimeOffset ExpiresAt, int PasswordVersion)?> ReadAsync(string token)
    {
        if (token.Length > MaxTokenLength || token.AsSpan().Count('.') != 2)
        {
            return null; // not a compact JWS (an admin key, or garbage): no parsing at all
        }

        var result = await Handler.ValidateTokenAsync(token, _validation).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt
            || !jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var subject) || subject != Subject
            || !jwt.TryGetPayloadValue<int>(PasswordVersionClaim, out var version)
            || !jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var expires))
        {
            return null;
        }

        return (DateTimeOffset.FromUnixTimeSeconds(expires), version);
    }
}
