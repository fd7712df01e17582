using System.Security.Cryptography;

namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>PBKDF2-HMAC-SHA256 with 100,000 iterations (about 20 ms of CPU per hash), the format <see cref="AdminPasswordState"/> stores.</summary>
internal sealed class Pbkdf2AdminPasswordHasher : IAdminPasswordHasher
{
    public const int Iterations = 100_000;

    public byte[] Hash(string password, byte[] salt, int length) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, length);
}
