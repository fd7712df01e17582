using System.Security.Cryptography;
using LlmRelay.Users;
using Microsoft.AspNetCore.Identity;

namespace LlmRelay.AspNetCore.Management.Users;

/// <summary>Validation and secrets shared by set-up, registration and user administration.</summary>
internal static class UserRules
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 64;
    public const int MaxUsernameLength = 32;

    public static string? ValidateUsername(string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            return "Field 'username' is required.";
        }

        if (username.Length > MaxUsernameLength)
        {
            return $"Field 'username' must be at most {MaxUsernameLength} characters.";
        }

        return username.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '@')
            ? null
            : "Field 'username' may contain only letters, digits and _ - . @.";
    }

    public static string? ValidatePassword(string? password, string field = "password")
    {
        if (string.IsNullOrEmpty(password))
        {
            return $"Field '{field}' is required.";
        }

        return password.Length is < MinPasswordLength or > MaxPasswordLength
            ? $"Field '{field}' must be {MinPasswordLength} to {MaxPasswordLength} characters."
            : null;
    }

    public static bool VerifyPassword(IPasswordHasher<RelayUser> hasher, RelayUser user, string password) =>
        user.PasswordHash.Length > 0 && hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    public static string NewAffCode() => RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 6);

    public static string NewAccessToken() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
}
