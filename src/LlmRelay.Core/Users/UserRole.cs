namespace LlmRelay.Users;

/// <summary>The permission level of a <see cref="RelayUser"/>; higher values include the lower ones.</summary>
public enum UserRole
{
    /// <summary>A user who manages their own tokens.</summary>
    Common = 1,

    /// <summary>An administrator who manages channels, users and codes.</summary>
    Admin = 10,

    /// <summary>The single super administrator created by set-up; may change system options.</summary>
    Root = 100,
}
