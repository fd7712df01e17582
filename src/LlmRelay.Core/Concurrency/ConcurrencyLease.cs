using System.Threading.RateLimiting;
using LlmRelay.Selection;

namespace LlmRelay.Concurrency;

/// <summary>The result of <see cref="RelayConcurrency.AcquireAsync"/>: held slots to release with <see cref="Dispose"/>, or a refusal with a retry hint.</summary>
/// <remarks>Dispose exactly when the upstream call (including a streamed body) is finished. Disposing twice is harmless; thread-safe.</remarks>
internal sealed class ConcurrencyLease : IDisposable
{
    private readonly RelayConcurrency? _owner;
    private readonly RelayKeyGate? _gate;
    private readonly RateLimitLease? _keyLease;
    private readonly RateLimitLease? _globalLease;
    private readonly long _acquiredAt;
    private readonly ChannelLoad? _load;
    private readonly SharedConcurrencySlot? _shared;
    private int _disposed;

    internal ConcurrencyLease(RelayConcurrency owner, RelayKeyGate gate, RateLimitLease? keyLease, RateLimitLease? globalLease, long acquiredAt, ChannelLoad? load, SharedConcurrencySlot? shared = null)
    {
        _load = load;
        _shared = shared;
        _owner = owner;
        _gate = gate;
        _keyLease = keyLease;
        _globalLease = globalLease;
        _acquiredAt = acquiredAt;
    }

    private ConcurrencyLease(ConcurrencyRejection rejection, TimeSpan retryAfter)
    {
        Rejection = rejection;
        RetryAfter = retryAfter;
        _disposed = 1;
    }

    /// <summary>Gets whether the slots were acquired.</summary>
    public bool IsAcquired => Rejection == ConcurrencyRejection.None;

    /// <summary>Gets why the lease was refused, or <see cref="ConcurrencyRejection.None"/>.</summary>
    public ConcurrencyRejection Rejection { get; }

    /// <summary>Gets a suggested delay before retrying (for a <c>Retry-After</c> header), or <see cref="TimeSpan.Zero"/> when acquired.</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>Releases the key slot and the global slot (in this process, or in the shared <see cref="IConcurrencySlotStore"/>).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Counts first, slots second: a waiter granted the freed slot must not see this lease still counted.
        _owner!.Release(_gate!, _acquiredAt);
        _load?.Exit();
        _shared?.Dispose();
        _globalLease?.Dispose();
        _keyLease?.Dispose();
    }

    internal static ConcurrencyLease Rejected(ConcurrencyRejection rejection, TimeSpan retryAfter) => new(rejection, retryAfter);
}
