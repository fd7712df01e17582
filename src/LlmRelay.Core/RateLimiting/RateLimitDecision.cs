namespace LlmRelay.RateLimiting;

/// <summary>The answer of <see cref="IRateLimitStore.TryAcquireAsync"/>: admitted (and counted), or refused with when to retry.</summary>
/// <param name="Allowed">Whether the call was admitted and counted against every rule.</param>
/// <param name="RetryAfter">When refused: how long until every rule the call broke admits it again; <see cref="TimeSpan.Zero"/> when admitted.</param>
/// <param name="Key">When refused: the key of the rule that refused the longest, for the message; <see langword="null"/> when admitted.</param>
public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter, string? Key)
{
    /// <summary>Gets the decision that admits a call.</summary>
    public static RateLimitDecision Admitted => new(true, TimeSpan.Zero, null);
}
