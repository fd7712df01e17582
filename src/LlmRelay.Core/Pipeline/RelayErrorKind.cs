namespace LlmRelay.Pipeline;

/// <summary>Why the relay refused or failed a call; each API family maps it to its own error type.</summary>
internal enum RelayErrorKind
{
    InvalidRequest,
    Authentication,
    Permission,
    NotFound,
    RequestTooLarge,
    RateLimited,
    InsufficientQuota,
    Unavailable,
    Upstream,
    Timeout,
}
