namespace LlmRelay.AspNetCore.Management.Admin;

/// <summary>Derives the stored hash of an admin password; the one place the admin API spends a password hash's CPU.</summary>
internal interface IAdminPasswordHasher
{
    /// <summary>Derives <paramref name="length"/> bytes from <paramref name="password"/> and <paramref name="salt"/>.</summary>
    byte[] Hash(string password, byte[] salt, int length);
}
