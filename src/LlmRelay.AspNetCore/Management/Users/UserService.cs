using System.Globalization;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.Channels;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;

namespace LlmRelay.AspNetCore.Management.Users;

/// <summary>User administration: listing, creating, editing and managing (disable, enable, delete, promote, demote) users; the <c>/api/user/</c> routes and the dashboard both call it.</summary>
/// <remarks>
/// Every method needs <see cref="UserRole.Admin"/>; an administrator sees and changes only users below their role
/// (<see cref="UserRules"/>). Changes that affect what a user's tokens may do clear <see cref="TokenCache"/>. Scoped, like the stores.
/// </remarks>
internal sealed class UserService(IUserStore users, ITokenStore tokens, TokenCache tokenCache, IPasswordHasher<RelayUser> hasher, IUsageLogStore logs, TimeProvider time)
{
    // The longest text the API's JSON reader has always accepted for a field without a limit of its own.
    private const int DefaultMaxLength = 4096;

    /// <summary>The actions <see cref="ManageAsync"/> takes.</summary>
    public static readonly string[] Actions = ["disable", "enable", "delete", "promote", "demote"];

    /// <summary>Lists one page of the users the actor may see, optionally matching <paramref name="keyword"/> and <paramref name="group"/>.</summary>
    public async Task<ManagementResult<PagedResult<RelayUser>>> ListAsync(RelayUser actor, string? keyword, string? group, int page, int pageSize, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var query = new PageQuery { Page = page, PageSize = pageSize, Keyword = keyword, Group = group };
        return await users.QueryAsync(UserRules.Visible(actor, query), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a user below the actor's role.</summary>
    public async Task<ManagementResult<RelayUser>> CreateAsync(RelayUser actor, UserChanges changes, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var username = changes.Username?.Trim();
        var password = changes.Password?.Trim();
        var displayName = changes.DisplayName?.Trim();
        var group = changes.Group?.Trim();
        var role = (long?)changes.Role;
        var error = changes.InputError
            ?? (username is null ? FieldRules.Required("username") : username.Length == 0 ? FieldRules.Empty("username") : FieldRules.Length("username", username, DefaultMaxLength))
            ?? (password is null ? FieldRules.Required("password") : password.Length == 0 ? FieldRules.Empty("password") : FieldRules.Length("password", password, UserRules.MaxPasswordLength))
            ?? FieldRules.Length("display_name", displayName, 64)
            ?? FieldRules.Range("role", role, 1, 100)
            ?? FieldRules.Length("group", group, 64)
            ?? FieldRules.Range("quota", changes.Quota, min: 0)
            ?? UserRules.ValidateUsername(username)
            ?? UserRules.ValidatePassword(password);
        if (error is null && role is not null && role is not ((long)UserRole.Common or (long)UserRole.Admin))
        {
            error = "Field 'role' must be 1 (common) or 10 (admin).";
        }

        if (error is null && role is not null && role >= (long)actor.Role)
        {
            return ManagementError.Forbidden("Field 'role': you can only create users below your own role.");
        }

        if (error is null && await users.FindByUsernameAsync(username!, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new ManagementError(StatusCodes.Status409Conflict, $"Field 'username': '{username}' is taken.");
        }

        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        var user = new RelayUser
        {
            Username = username!,
            DisplayName = string.IsNullOrEmpty(displayName) ? username! : displayName,
            Role = changes.Role ?? UserRole.Common,
            Group = string.IsNullOrEmpty(group) ? RelayGroups.Default : group,
            Quota = changes.Quota ?? 0,
            AffCode = UserRules.NewAffCode(),
            CreatedAt = time.GetUtcNow(),
        };
        user.PasswordHash = hasher.HashPassword(user, password!);
        await users.AddAsync(user, cancellationToken).ConfigureAwait(false);
        return user;
    }

    /// <summary>Edits a user below the actor, or the actor's own name, e-mail and password; a new password ends the user's sessions.</summary>
    /// <remarks>When actors change their own password, the caller re-issues their session cookie (<see cref="UserSessions.SignInAsync"/>).</remarks>
    public async Task<ManagementResult<RelayUser>> UpdateAsync(RelayUser actor, long id, UserChanges changes, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        var username = changes.Username?.Trim();
        var password = changes.Password?.Trim();
        var displayName = changes.DisplayName?.Trim();
        var group = changes.Group?.Trim();
        var email = changes.Email?.Trim();
        var role = (long?)changes.Role;
        var error = changes.InputError
            ?? FieldRules.Length("username", username, DefaultMaxLength)
            ?? FieldRules.Length("display_name", displayName, 64)
            ?? FieldRules.Length("password", password, UserRules.MaxPasswordLength)
            ?? FieldRules.Length("group", group, 64)
            ?? FieldRules.Length("email", email, 128)
            ?? FieldRules.Range("quota", changes.Quota, min: 0)
            ?? FieldRules.Range("role", role, min: 0)
            ?? (username is not null ? UserRules.ValidateUsername(username) : null)
            ?? (!string.IsNullOrEmpty(password) ? UserRules.ValidatePassword(password) : null);
        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        var user = await users.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return ManagementError.NotFound("User");
        }

        if (UserRules.RefuseUpdate(actor, user, group, changes.Quota, role) is { } updateRefusal)
        {
            return updateRefusal;
        }

        if (username is not null && !username.Equals(user.Username, StringComparison.OrdinalIgnoreCase)
            && await users.FindByUsernameAsync(username, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new ManagementError(StatusCodes.Status409Conflict, $"Field 'username': '{username}' is taken.");
        }

        user.Username = username ?? user.Username;
        user.DisplayName = displayName ?? user.DisplayName;
        user.Group = string.IsNullOrEmpty(group) ? user.Group : group;
        user.Email = email ?? user.Email;
        var quotaBefore = user.Quota;
        user.Quota = changes.Quota ?? user.Quota;
        if (!string.IsNullOrEmpty(password))
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            UserSessions.EndAll(user);
        }

        await users.UpdateAsync(user, cancellationToken).ConfigureAwait(false);
        tokenCache.Clear(); // The relay checks each token's group against its owner's.
        if (user.Quota != quotaBefore)
        {
            await LogManageAsync(user.Id, string.Create(CultureInfo.InvariantCulture, $"Quota changed from {quotaBefore} to {user.Quota} by {actor.Username}."), cancellationToken).ConfigureAwait(false);
        }

        return user;
    }

    /// <summary>Disables, enables, deletes, promotes or demotes a user below the actor (promote and demote: root only).</summary>
    /// <returns>The changed user, or <see langword="null"/> after <c>delete</c>.</returns>
    public async Task<ManagementResult<RelayUser?>> ManageAsync(RelayUser actor, long id, string? action, string? inputError, CancellationToken cancellationToken)
    {
        if (RefuseNonAdmin(actor) is { } refusal)
        {
            return refusal;
        }

        action = action?.Trim();
        var error = inputError ?? (action is null ? FieldRules.Required("action") : action.Length == 0 ? FieldRules.Empty("action") : FieldRules.Length("action", action, 16));
        if (error is not null)
        {
            return ManagementError.Invalid(error);
        }

        if (!Actions.Contains(action, StringComparer.Ordinal))
        {
            return ManagementError.Invalid("Field 'action' must be one of disable, enable, delete, promote, demote.");
        }

        var user = await users.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return ManagementError.NotFound("User");
        }

        if (user.Role == UserRole.Root)
        {
            return ManagementError.Forbidden("The root user cannot be disabled, deleted, promoted or demoted.");
        }

        if (!UserRules.Manages(actor, user))
        {
            return ManagementError.Forbidden("You cannot manage a user whose role is equal to or above yours.");
        }

        switch (action)
        {
            case "delete":
                await DeleteWithTokensAsync(user.Id, cancellationToken).ConfigureAwait(false);
                return ManagementResult<RelayUser?>.Success(null);
            case "disable":
                user.Status = UserStatus.Disabled;
                break;
            case "enable":
                user.Status = UserStatus.Enabled;
                break;
            case "promote":
                if (actor.Role != UserRole.Root)
                {
                    return ManagementError.Forbidden("Only the root user can promote users.");
                }

                if (user.Role == UserRole.Admin)
                {
                    return ManagementError.Invalid("Field 'id': the user is already an admin.");
                }

                user.Role = UserRole.Admin;
                break;
            default:
                if (actor.Role != UserRole.Root)
                {
                    return ManagementError.Forbidden("Only the root user can demote users.");
                }

                if (user.Role == UserRole.Common)
                {
                    return ManagementError.Invalid("Field 'id': the user is already a common user.");
                }

                user.Role = UserRole.Common;
                break;
        }

        // Disabling, enabling, promoting or demoting ends the user's sessions: they sign in again under the new state.
        UserSessions.EndAll(user);
        await users.UpdateAsync(user, cancellationToken).ConfigureAwait(false);
        tokenCache.Clear();
        var done = action switch { "disable" => "disabled", "enable" => "enabled", "promote" => "promoted to admin", _ => "demoted to common user" };
        await LogManageAsync(user.Id, $"Account {done} by {actor.Username}.", cancellationToken).ConfigureAwait(false);
        return user;
    }

    // Issue #15: an administrator's change to a user shows in that user's logs as a management row (new-api's LogTypeManage); it moves no balance.
    private Task LogManageAsync(long userId, string content, CancellationToken cancellationToken) =>
        logs.AppendAsync([new UsageLog { Type = UsageLogType.Manage, UserId = userId, CreatedAt = time.GetUtcNow(), Content = content }], cancellationToken);

    /// <summary>Deletes a user and every token of theirs (in pages, so a user with many keys does not load them all at once).</summary>
    public async Task DeleteWithTokensAsync(long userId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await tokens.QueryAsync(new PageQuery { UserId = userId, PageSize = 1000 }, cancellationToken).ConfigureAwait(false);
            if (page.Items.Count == 0)
            {
                break;
            }

            await tokens.DeleteAsync([.. page.Items.Select(static t => t.Id)], userId, cancellationToken).ConfigureAwait(false);
        }

        await users.DeleteAsync(userId, cancellationToken).ConfigureAwait(false);
        tokenCache.Clear();
    }

    private static ManagementError? RefuseNonAdmin(RelayUser actor) => actor.Role >= UserRole.Admin ? null : ManagementError.Forbidden();
}
