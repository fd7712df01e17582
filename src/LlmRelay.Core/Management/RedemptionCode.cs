namespace LlmRelay.Management;

/// <summary>A single-use code that tops up the quota of the user who redeems it.</summary>
public sealed class RedemptionCode
{
    /// <summary>Gets or sets the store-assigned identifier.</summary>
    public long Id { get; set; }

    /// <summary>Gets or sets the identifier of the administrator who created the code.</summary>
    public long UserId { get; set; }

    /// <summary>Gets or sets the unique code users type in.</summary>
    public string Key { get; set; } = "";

    /// <summary>Gets or sets the display name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the status.</summary>
    /// <value>The default value is <see cref="RedemptionStatus.Enabled"/>.</value>
    public RedemptionStatus Status { get; set; } = RedemptionStatus.Enabled;

    /// <summary>Gets or sets the quota the code adds.</summary>
    public long Quota { get; set; }

    /// <summary>Gets or sets when the code was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Gets or sets when the code expires, or <see langword="null"/> for never.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>Gets or sets when the code was redeemed, or <see langword="null"/>.</summary>
    public DateTimeOffset? RedeemedAt { get; set; }

    /// <summary>Gets or sets the identifier of the user who redeemed the code, or 0.</summary>
    public long UsedUserId { get; set; }
}
