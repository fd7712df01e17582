namespace LlmRelay.Tokens;

/// <summary>Why a gateway key was refused, in the order <see cref="TokenChecks.Check(TokenEntry?, System.Net.IPAddress?, DateTimeOffset)"/> tests for it.</summary>
public enum TokenRefusal
{
    /// <summary>The key is accepted.</summary>
    None,

    /// <summary>No key was sent.</summary>
    Missing,

    /// <summary>No token has this key.</summary>
    Unknown,

    /// <summary>The token is disabled.</summary>
    Disabled,

    /// <summary>The user who owns the token is disabled.</summary>
    UserDisabled,

    /// <summary>The token's group is not available to its owner.</summary>
    GroupNotAllowed,

    /// <summary>The token has expired.</summary>
    Expired,

    /// <summary>The token may not be used from the caller's address.</summary>
    AddressNotAllowed,

    /// <summary>The token has used all of its quota.</summary>
    QuotaExhausted,
}
