namespace LlmRelay.Storage;

/// <summary>Encrypts secrets (upstream channel keys) before a store writes them and decrypts them after it reads them.</summary>
/// <remarks>
/// Stores use an implementation when one is registered and store plain text otherwise. Implementations
/// must accept values they did not protect (written before protection was enabled) and return them unchanged.
/// Implementations must be thread-safe.
/// </remarks>
public interface ISecretProtector
{
    /// <summary>Encrypts <paramref name="plaintext"/> for storage.</summary>
    /// <param name="plaintext">The secret.</param>
    /// <returns>The stored form.</returns>
    string Protect(string plaintext);

    /// <summary>Decrypts a stored value.</summary>
    /// <param name="stored">A value returned by <see cref="Protect(string)"/>, or a plain-text value written before protection was enabled.</param>
    /// <returns>The secret.</returns>
    string Unprotect(string stored);

    /// <summary>Decrypts a stored value, reporting instead of throwing when it cannot be decrypted (for example, the key that protected it is gone).</summary>
    /// <param name="stored">A value returned by <see cref="Protect(string)"/>, or a plain-text value written before protection was enabled.</param>
    /// <param name="secret">The secret, or an empty string when the value cannot be decrypted.</param>
    /// <returns><see langword="true"/> when <paramref name="secret"/> holds the decrypted value.</returns>
    /// <remarks>The default implementation calls <see cref="Unprotect(string)"/> and treats a <see cref="System.Security.Cryptography.CryptographicException"/> as a failure.</remarks>
    bool TryUnprotect(string stored, out string secret)
    {
        try
        {
            secret = Unprotect(stored);
            return true;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            secret = "";
            return false;
        }
    }
}
