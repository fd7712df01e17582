namespace LlmRelay.Pipeline;

/// <summary>Why a relayed call ended without an answer, in a form each API family renders in its own error shape.</summary>
/// <param name="Status">The HTTP status the caller gets (499 when the caller left).</param>
/// <param name="Kind">The kind, which each family maps to its own error type.</param>
/// <param name="Message">The message; never holds an upstream key.</param>
/// <param name="Code">A machine-readable code such as <c>model_not_found</c>, or <see langword="null"/>.</param>
/// <param name="Param">The request parameter at fault, or <see langword="null"/>.</param>
public sealed record RelayError(int Status, RelayErrorKind Kind, string Message, string? Code = null, string? Param = null)
{
    /// <summary>Gets how long the caller should wait before retrying, for a 429 the gateway itself decided.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
