using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>A minimal HS256 JSON Web Token for the admin API: <c>sub</c> "admin", <c>iat</c>, <c>exp</c> and <c>pv</c> (password version).</summary>
/// <remarks>
/// System.IdentityModel.Tokens.Jwt is not part of the ASP.NET Core shared framework, so the token is written and
/// checked here with <see cref="HMACSHA256"/> and <see cref="Utf8JsonWriter"/>. Only <c>alg: HS256</c> is accepted;
/// the signature is compared in fixed time before the payload is read.
/// </remarks>
internal static class AdminJwt
{
    private const string Subject = "admin";
    private static readonly byte[] Header = Encoding.UTF8.GetBytes("""{"alg":"HS256","typ":"JWT"}""");

    public static string Create(ReadOnlySpan<byte> key, DateTimeOffset issuedAt, DateTimeOffset expiresAt, int passwordVersion)
    {
        using var payload = new MemoryStream();
        using (var writer = new Utf8JsonWriter(payload))
        {
            writer.WriteStartObject();
            writer.WriteString("sub", Subject);
            writer.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            writer.WriteNumber("exp", expiresAt.ToUnixTimeSeconds());
            writer.WriteNumber("pv", passwordVersion);
            writer.WriteEndObject();
        }

        var signingInput = Base64Url.EncodeToString(Header) + "." + Base64Url.EncodeToString(payload.ToArray());
        var signature = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Checks the signature, algorithm and subject; returns the expiry and password version, or <see langword="null"/> when the token is not one of ours.</summary>
    public static (DateTimeOffset ExpiresAt, int PasswordVersion)? Read(ReadOnlySpan<byte> key, string token)
    {
        var first = token.IndexOf('.', StringComparison.Ordinal);
        var last = token.LastIndexOf('.');
        if (first <= 0 || last <= first || token.Length > 4096)
        {
            return null;
        }

        var signingInput = token.AsSpan(0, last);
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signingInput.ToString()), expected);
        byte[] signature;
        byte[] header;
        byte[] payload;
        try
        {
            signature = Base64Url.DecodeFromChars(token.AsSpan(last + 1));
            header = Base64Url.DecodeFromChars(token.AsSpan(0, first));
            payload = Base64Url.DecodeFromChars(token.AsSpan(first + 1, last - first - 1));
        }
        catch (FormatException)
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, expected))
        {
            return null;
        }

        try
        {
            using var headerDocument = JsonDocument.Parse(header);
            if (!headerDocument.RootElement.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || alg.GetString() != "HS256")
            {
                return null;
            }

            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            return root.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String && sub.GetString() == Subject
                && root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var expSeconds)
                && root.TryGetProperty("pv", out var pv) && pv.TryGetInt32(out var version)
                ? (DateTimeOffset.FromUnixTimeSeconds(expSeconds), version)
                : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
