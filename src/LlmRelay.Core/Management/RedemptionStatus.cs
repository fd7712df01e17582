namespace LlmRelay.Management;

/// <summary>The status of a <see cref="RedemptionCode"/>.</summary>
public enum RedemptionStatus
{
    /// <summary>The code may be redeemed.</summary>
    Enabled = 1,

    /// <summary>An administrator disabled the code.</summary>
    Disabled = 2,

    /// <summary>The code was redeemed.</summary>
    Used = 3,
}
