using System.Security.Cryptography;
using LlmRelay.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Protects stored upstream keys with ASP.NET Core Data Protection; values without the marker prefix are legacy plain text.</summary>
/// <remarks>
/// A value protected with a key the ring no longer holds (the ring was not persisted, or another instance's ring is in
/// use) cannot be decrypted: <see cref="TryUnprotect"/> reports it, and the store marks the channel, which the relay then
/// never selects. It is never turned into an empty key.
/// </remarks>
internal sealed class DataProtectionSecretProtector(IDataProtectionProvider provider) : ISecretProtector
{
    private const string Marker = "dp1:";
    private readonly IDataProtector _protector = provider.CreateProtector("LlmRelay.ChannelKeys.v1");

    public string Protect(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        return plaintext.StartsWith(Marker, StringComparison.Ordinal) ? plaintext : Marker + _protector.Protect(plaintext);
    }

    public string Unprotect(string stored) =>
        TryUnprotect(stored, out var secret)
            ? secret
            : throw new CryptographicException("A stored channel key cannot be decrypted: the Data Protection key ring that protected it is not available (see docs/deployment.md, Data Protection keys).");

    public bool TryUnprotect(string stored, out string secret)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!stored.StartsWith(Marker, StringComparison.Ordinal))
        {
            secret = stored;
            return true;
        }

        try
        {
            secret = _protector.Unprotect(stored[Marker.Length..]);
            return true;
        }
        catch (CryptographicException)
        {
            secret = "";
            return false;
        }
    }
}
