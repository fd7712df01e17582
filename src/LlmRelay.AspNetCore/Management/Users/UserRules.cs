using System.Security.Cryptography;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Users;
using Microsoft.AspNetCore.Identity;

namespace LlmRelay.AspNetCore.Management.Users;

/// <summary>Validation, secrets and the administration rules shared by set-up, registration, user and token administration.</summary>
/// <remarks>
/// Who may administer whom: an administrator manages users below their own role only (root manages admins and common
/// users, an admin common users), and nobody changes their own quota, group or role through the admin routes. Root's
/// account and root's tokens are root's alone. The dashboard calls the same application services as the API, so it runs these rules too.
/// </remarks>
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

    /// <summary>Returns whether <paramref name="actor"/> may administer <paramref name="target"/> (read, change or delete the account or its tokens): only a user below the actor's role, never the actor.</summary>
    public static bool Manages(RelayUser actor, RelayUser target) => target.Id != actor.Id && target.Role < actor.Role;

    /// <summary>Narrows a user list to what <paramref name="actor"/> may see: the users below the actor's role, and the actor.</summary>
    public static PageQuery Visible(RelayUser actor, PageQuery query) => query with { RoleBelow = actor.Role, UserId = actor.Id };

    /// <summary>Checks a change of <paramref name="target"/> by <paramref name="actor"/> through <c>PUT /api/user/</c>; returns the refusal, or <see langword="null"/> when allowed.</summary>
    /// <remarks>
    /// On their own account a user may change only what grants nothing (name, e-mail, password): a quota, group or role
    /// different from the stored one is refused, whoever asks, root included (root tops itself up with a redemption code,
    /// which leaves a top-up log). Values equal to the stored ones pass, as edit forms send every field. Roles of other users
    /// change only through <c>POST /api/user/manage</c> (promote, demote).
    /// </remarks>
    public static ManagementError? RefuseUpdate(RelayUser actor, RelayUser target, string? group, long? quota, long? role)
    {
        if (target.Id == actor.Id)
        {
            return quota is { } q && q != target.Quota ? ManagementError.Forbidden("Field 'quota': you cannot change your own quota.")
                : !string.IsNullOrEmpty(group) && group != target.Group ? ManagementError.Forbidden("Field 'group': you cannot change your own group.")
                : role is { } r && r != (long)target.Role ? ManagementError.Forbidden("Field 'role': you cannot change your own role.")
                : null;
        }

        if (!Manages(actor, target))
        {
            return ManagementError.Forbidden("You cannot edit a user whose role is equal to or above yours.");
        }

        return role is { } newRole && newRole != (long)target.Role
            ? ManagementError.Invalid("Field 'role': change a user's role with POST /api/user/manage (promote or demote).")
            : null;
    }

    /// <summary>Checks whether <paramref name="actor"/> may see and manage the tokens of user <paramref name="ownerId"/>; returns the refusal, or <see langword="null"/> when allowed.</summary>
    /// <remarks>
    /// Everyone manages their own tokens; a common user is told another user's token does not exist (404); an administrator
    /// manages the tokens of users below their role (403 otherwise); tokens without an owner (declared in configuration, or
    /// left by a deleted user) only root.
    /// </remarks>
    public static async Task<ManagementError?> RefuseTokenOwnerAsync(RelayUser actor, long ownerId, IUserStore users, CancellationToken cancellationToken)
    {
        if (ownerId == actor.Id)
        {
            return null;
        }

        if (actor.Role < UserRole.Admin)
        {
            return ManagementError.NotFound("Token");
        }

        var owner = ownerId > 0 ? await users.FindAsync(ownerId, cancellationToken).ConfigureAwait(false) : null;
        return (owner is null ? actor.Role == UserRole.Root : Manages(actor, owner))
            ? null
            : ManagementError.Forbidden("You cannot manage the tokens of a user whose role is equal to or above yours.");
    }

    public static string NewAffCode() => RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 6);

    public static string NewAccessToken() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
}
