using System.Security.Cryptography;
using LlmRelay.Channels;

namespace LlmRelay.Users;

/// <summary>A person or program that signs in to the management API and owns gateway tokens.</summary>
/// <remarks>
/// The password is never stored: <see cref="PasswordHash"/> holds a salted hash, and
/// <see cref="AccessTokenHash"/> the SHA-256 of the user's management access token.
/// </remarks>
public sealed class RelayUser
{
    /// <summary>Gets or sets the store-assigned identifier.</summary>
    public long Id { get; set; }

    /// <summary>Gets or sets the unique sign-in name.</summary>
    public string Username { get; set; } = "";

    /// <summary>Gets or sets the salted password hash.</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary>Gets or sets the name shown in the dashboard.</summary>
    public string DisplayName { get; set; } = "";

    /// <summary>Gets or sets the role.</summary>
    /// <value>The default value is <see cref="UserRole.Common"/>.</value>
    public UserRole Role { get; set; } = UserRole.Common;

    /// <summary>Gets or sets the status.</summary>
    /// <value>The default value is <see cref="UserStatus.Enabled"/>.</value>
    public UserStatus Status { get; set; } = UserStatus.Enabled;

    /// <summary>Gets or sets the e-mail address, or an empty string.</summary>
    public string Email { get; set; } = "";

    /// <summary>Gets or sets the group whose channels and ratios apply to the user.</summary>
    /// <value>The default value is <c>"default"</c>.</value>
    public string Group { get; set; } = RelayGroups.Default;

    /// <summary>Gets or sets the quota the user may still spend.</summary>
    public long Quota { get; set; }

    /// <summary>Gets or sets the quota the user has spent.</summary>
    public long UsedQuota { get; set; }

    /// <summary>Gets or sets the number of relayed requests.</summary>
    public long RequestCount { get; set; }

    /// <summary>Gets or sets the user's unique affiliate (invitation) code.</summary>
    public string AffCode { get; set; } = "";

    /// <summary>Gets or sets the identifier of the user who invited this one, or 0.</summary>
    public long InviterId { get; set; }

    /// <summary>Gets or sets the lowercase hexadecimal SHA-256 of the management access token, or <see langword="null"/> when none was issued.</summary>
    public string? AccessTokenHash { get; set; }

    /// <summary>Gets or sets when the user was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Gets or sets a random value that changes whenever every session of the user must end: sign-out, a password, role or status change.</summary>
    /// <remarks>Session cookies carry the stamp they were issued with; a cookie whose stamp differs from the user's is refused.</remarks>
    /// <value>The default value is a new random stamp.</value>
    public string SecurityStamp { get; set; } = NewSecurityStamp();

    /// <summary>Returns a new random security stamp (128 bits, lowercase hexadecimal).</summary>
    /// <returns>The stamp.</returns>
    public static string NewSecurityStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
