using System.Security.Cryptography;
using LlmRelay.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Protects stored upstream keys with ASP.NET Core Data Protection; values without the marker prefix are legacy plain text.</summary>
internal sealed class DataProtectionSecretProtector(IDataProtectionProvider provider) : ISecretProtector
{
    private const string Marker = "dp1:";
    private readonly IDataProtector _protector = provider.CreateProtector("LlmRelay.ChannelKeys.v1");

    public string Protect(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        return plaintext.StartsWith(Marker, StringComparison.Ordinal) ? plaintext : Marker + _protector.Protect(plaintext);
    }

    public string Unprotect(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!stored.StartsWith(Marker, StringComparison.Ordinal))
        {
            return stored;
        }

        try
        {
            return _protector.Unprotect(stored[Marker.Length..]);
        }
        catch (CryptographicException)
        {
            // The key ring that protected this value is gone; an unusable key is better than a crashed catalog.
            return "";
        }
    }
}
