using LlmRelay.Users;

namespace LlmRelay.AspNetCore.Management.Users;

/// <summary>What an administrator asks to set on a user; a <see langword="null"/> property is left as it is (on creation: its default).</summary>
/// <remarks>The <c>/api/user/</c> routes read it from JSON, the dashboard from its form; <see cref="UserService"/> validates it.</remarks>
internal sealed record UserChanges
{
    /// <summary>Gets the first problem the request's reader found (a field of the wrong type).</summary>
    public string? InputError { get; init; }

    /// <summary>Gets the user name (required on creation).</summary>
    public string? Username { get; init; }

    /// <summary>Gets the password (required on creation; empty leaves it unchanged on update).</summary>
    public string? Password { get; init; }

    /// <summary>Gets the display name (at most 64 characters).</summary>
    public string? DisplayName { get; init; }

    /// <summary>Gets the role: on creation <see cref="UserRole.Common"/> or <see cref="UserRole.Admin"/>; on update only the current one (roles change through promote and demote).</summary>
    public UserRole? Role { get; init; }

    /// <summary>Gets the group (at most 64 characters; empty keeps the current or default group).</summary>
    public string? Group { get; init; }

    /// <summary>Gets the e-mail address (at most 128 characters; update only).</summary>
    public string? Email { get; init; }

    /// <summary>Gets the quota (0 or more).</summary>
    public long? Quota { get; init; }
}
