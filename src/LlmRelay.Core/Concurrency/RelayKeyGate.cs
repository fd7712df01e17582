using System.Threading.RateLimiting;

namespace LlmRelay.Concurrency;

/// <summary>The per-key limiter and in-flight count behind one key of <see cref="RelayConcurrency"/>.</summary>
internal sealed class RelayKeyGate(ConcurrencyLimiter? limiter, ConcurrencySlotScope[]? scopes = null)
{
    /// <summary>The in-flight count; changed with <see cref="Interlocked"/>.</summary>
    public int InFlight;

    /// <summary>Gets the key's limiter, or <see langword="null"/> when keys are unlimited or counted in an <see cref="IConcurrencySlotStore"/>.</summary>
    public ConcurrencyLimiter? Limiter { get; } = limiter;

    /// <summary>Gets the scopes the key's calls take slots in when an <see cref="IConcurrencySlotStore"/> counts them (empty when unlimited), else <see langword="null"/>.</summary>
    public ConcurrencySlotScope[]? Scopes { get; } = scopes;
}
