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
}
