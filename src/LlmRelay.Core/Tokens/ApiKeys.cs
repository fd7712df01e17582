using System.Security.Cryptography;
using System.Text;

namespace LlmRelay.Tokens;

/// <summary>Creates, hashes and masks gateway keys.</summary>
public static class ApiKeys
{
    /// <summary>The prefix of every gateway key LlmRelay generates.</summary>
    public const string Prefix = "sk-";

    /// <summary>Generates a new random gateway key.</summary>
    /// <returns>A key of the form <c>sk-</c> followed by 48 URL-safe characters.</returns>
    public static string Generate()
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return Prefix + RandomNumberGenerator.GetString(Alphabet, 48);
    }

    /// <summary>Computes the lowercase hexadecimal SHA-256 of <paramref name="key"/>, as stored in <see cref="ApiToken.KeyHash"/>.</summary>
    /// <param name="key">The key as presented by a caller.</param>
    /// <returns>The 64-character hash.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public static string Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Hash(key.AsSpan());
    }

    /// <summary>Computes the lowercase hexadecimal SHA-256 of <paramref name="key"/>.</summary>
    /// <param name="key">The key as presented by a caller.</param>
    /// <returns>The 64-character hash.</returns>
    public static string Hash(ReadOnlySpan<char> key)
    {
        Span<byte> utf8 = key.Length <= 256 ? stackalloc byte[key.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Returns a masked form of <paramref name="key"/> that is safe to show and log.</summary>
    /// <param name="key">The key to mask.</param>
    /// <returns>The first and last few characters with the middle elided, such as <c>sk-abcd...wxyz</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    public static string Mask(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Length <= 12 ? "***" : string.Concat(key.AsSpan(0, 7), "...", key.AsSpan(key.Length - 4));
    }
}
