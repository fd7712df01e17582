namespace LlmRelay.Pipeline;

/// <summary>Why the relay refused or failed a call; each API family maps it to its own error type.</summary>
public enum RelayErrorKind
{
    /// <summary>The request is malformed, or the upstream refused it as the caller's own mistake (400, or the upstream's 4xx such as 422).</summary>
    InvalidRequest,

    /// <summary>The caller's key is missing, unknown, disabled or expired (401).</summary>
    Authentication,

    /// <summary>The caller may not do this: a model, address or group not allowed, a disabled user (403).</summary>
    Permission,

    /// <summary>No such model or resource, or no channel serves it (404).</summary>
    NotFound,

    /// <summary>The request body is larger than the relay accepts (413).</summary>
    RequestTooLarge,

    /// <summary>The relay or the upstream is rate limiting the caller (429).</summary>
    RateLimited,

    /// <summary>The caller's key or user has no quota left for the call (429).</summary>
    InsufficientQuota,

    /// <summary>Every channel that could serve the call is unavailable (503).</summary>
    Unavailable,

    /// <summary>The upstream failed or answered with something unusable (502).</summary>
    Upstream,

    /// <summary>The upstream did not answer in time (504).</summary>
    Timeout,
}
