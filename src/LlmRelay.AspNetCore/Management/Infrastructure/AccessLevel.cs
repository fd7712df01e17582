namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>The authorization level a management route requires, as marked in the specification.</summary>
internal enum AccessLevel
{
    /// <summary>Anyone.</summary>
    Public = 0,

    /// <summary>A signed-in user (session cookie or access token).</summary>
    User = 1,

    /// <summary>A user with the admin role or higher.</summary>
    Admin = 10,

    /// <summary>The root user.</summary>
    Root = 100,
}
