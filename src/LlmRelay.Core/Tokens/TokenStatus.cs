namespace LlmRelay.Tokens;

/// <summary>The status of an <see cref="ApiToken"/>.</summary>
public enum TokenStatus
{
    /// <summary>The token may be used.</summary>
    Enabled = 1,

    /// <summary>The token was disabled by its owner or an administrator.</summary>
    Disabled = 2,

    /// <summary>The token has expired.</summary>
    Expired = 3,

    /// <summary>The token has spent its quota.</summary>
    Exhausted = 4,
}
