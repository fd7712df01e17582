using LlmRelay.Channels;

namespace LlmRelay.Tokens;

/// <summary>A gateway key (<c>sk-...</c>) that callers present to use the relay.</summary>
/// <remarks>
/// The key itself is never stored: <see cref="KeyHash"/> holds its SHA-256 and <see cref="KeyHint"/> a
/// masked form for display. <see cref="ApiKeys.Hash(string)"/> computes the hash of a presented key.
/// </remarks>
public sealed class ApiToken
{
    /// <summary>Gets or sets the store-assigned identifier.</summary>
    public long Id { get; set; }

    /// <summary>Gets or sets the owning user's identifier, or 0 for tokens declared in configuration.</summary>
    public long UserId { get; set; }

    /// <summary>Gets or sets the display name of the token.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the lowercase hexadecimal SHA-256 of the key.</summary>
    public string KeyHash { get; set; } = "";

    /// <summary>Gets or sets a masked form of the key that is safe to display, such as <c>sk-abc...xyz</c>.</summary>
    public string KeyHint { get; set; } = "";

    /// <summary>Gets or sets the token status.</summary>
    public TokenStatus Status { get; set; } = TokenStatus.Enabled;

    /// <summary>Gets or sets the quota the token may still spend, when <see cref="UnlimitedQuota"/> is <see langword="false"/>.</summary>
    public long RemainQuota { get; set; }

    /// <summary>Gets or sets the quota the token has spent.</summary>
    public long UsedQuota { get; set; }

    /// <summary>Gets or sets a value indicating whether the token ignores <see cref="RemainQuota"/>.</summary>
    public bool UnlimitedQuota { get; set; }

    /// <summary>Gets or sets when the token expires, or <see langword="null"/> for never.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>Gets or sets the models the token may use; empty means all.</summary>
    public List<string> Models { get; set; } = [];

    /// <summary>Gets or sets the client addresses or CIDR ranges the token may be used from; empty means any.</summary>
    public List<string> AllowIps { get; set; } = [];

    /// <summary>Gets or sets the group whose channels the token uses.</summary>
    /// <value>The default value is <c>"default"</c>.</value>
    public string Group { get; set; } = RelayGroups.Default;

    /// <summary>Gets or sets where the token was declared; <c>"config"</c> for tokens synced from configuration.</summary>
    public string? Source { get; set; }

    /// <summary>Gets or sets when the token was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
