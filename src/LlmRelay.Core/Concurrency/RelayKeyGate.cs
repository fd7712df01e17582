using System.Threading.RateLimiting;

namespace LlmRelay.Concurrency;

/// <summary>The per-key limiter and in-flight count behind one key of <see cref="RelayConcurrency"/>.</summary>
internal sealed class RelayKeyGate(ConcurrencyLimiter? limiter)
{
    /// <summary>The in-flight count; changed with <see cref="Interlocked"/>.</summary>
    public int InFlight;

    /// <summary>Gets the key's limiter, or <see langword="null"/> when keys are unlimited.</summary>
    public ConcurrencyLimiter? Limiter { get; } = limiter;
}
