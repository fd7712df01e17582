namespace LlmRelay.Users;

/// <summary>The status of a <see cref="RelayUser"/>.</summary>
public enum UserStatus
{
    /// <summary>The user may sign in and use the gateway.</summary>
    Enabled = 1,

    /// <summary>An administrator disabled the user.</summary>
    Disabled = 2,
}
