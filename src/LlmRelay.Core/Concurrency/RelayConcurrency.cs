using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using LlmRelay.Selection;
using LlmRelay.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmRelay.Concurrency;

/// <summary>Limits the requests in flight, globally and per key, with one bounded FIFO wait queue.</summary>
/// <remarks>
/// <para>
/// Each key has its own <see cref="ConcurrencyLimiter"/> and the relay one global limiter, all oldest-first. A request
/// takes its key slot first and then a global slot, so a busy key waits in its own line without holding global slots
/// that other keys could use:
/// <code>
///  AcquireAsync(key) ─► key slot free? ─► global slot free? ─► lease (fast path, no await)
///                          │ no               │ no
///                          ▼                  ▼
///               queued &lt; QueueLimit? ── no ──► refused: QueueFull, RetryAfter
///                          │ yes
///                          ▼
///     wait for key slot, then global slot (FIFO) ── MaxQueueWait passed ──► refused: QueueTimeout, RetryAfter
///                          │                      ── caller's token canceled ──► OperationCanceledException
///                          ▼
///                        lease
/// </code>
/// The queue bound counts every waiting request, whichever limiter it waits on. A separate limiter per key, rather
/// than <see cref="PartitionedRateLimiter"/>, keeps the keys enumerable for <see cref="Status"/> and avoids the
/// partitioned limiter's own wall-clock timer. One gate lives per distinct key for the life of the process, so keys
/// should come from a bounded set (channel and key index, not caller input).
/// </para>
/// <para>
/// When an <see cref="IConcurrencySlotStore"/> is registered (Redis, through <c>AddRedis</c>), the limits and the queue
/// bound hold across every instance that shares it (issue #18) and the in-process limiters are not used: a call takes
/// its key and global slots in the store in one step; when refused it waits, counted in the store's queue, and tries
/// again whenever a slot is released on any instance (or every <see cref="SharedPollInterval"/> at the latest) until
/// <see cref="ConcurrencyOptions.MaxQueueWait"/>. Waiters on different instances are not served in strict FIFO order.
/// If the store fails, the call is admitted and a warning logged, as the rate limits do. <see cref="Status"/> then
/// reports this instance's calls.
/// </para>
/// <para>Thread-safe. Options are read once, at construction.</para>
/// </remarks>
public sealed partial class RelayConcurrency : IDisposable
{
    private static readonly TimeSpan MinimumRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>How often a waiter retries the shared store when no release wakes it (a release message lost, or a dead instance's slot expired).</summary>
    internal static readonly TimeSpan SharedPollInterval = TimeSpan.FromSeconds(1);

    private static readonly ConcurrencySlotScope[] NoScopes = [];

    private readonly ConcurrencyOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrencyLimiter? _global;
    private readonly ConcurrentDictionary<string, RelayKeyGate> _keys = new(StringComparer.Ordinal);
    private readonly IConcurrencySlotStore? _slots;
    private readonly ILogger _logger;
    private readonly string _holderPrefix = Guid.NewGuid().ToString("N") + ":";
    private long _holderSequence;
    private int _inFlight;
    private int _queued;

    // A moving average of how long leases are held, in TimeSpan ticks, to suggest Retry-After. Races only blur it.
    private long _averageHoldTicks;

    internal RelayConcurrency(IOptions<LlmRelayOptions> options, TimeProvider timeProvider, IConcurrencySlotStore? slots = null, ILogger<RelayConcurrency>? logger = null)
    {
        _slots = slots;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var source = options.Value.Concurrency;
        _options = new ConcurrencyOptions
        {
            MaxInFlight = source.MaxInFlight,
            MaxInFlightPerKey = source.MaxInFlightPerKey,
            QueueLimit = source.QueueLimit,
            MaxQueueWait = source.MaxQueueWait,
        };
        _timeProvider = timeProvider;
        _global = slots is null && _options.MaxInFlight > 0 ? CreateLimiter(_options.MaxInFlight, _options.QueueLimit) : null;
    }

    /// <summary>Waits for a slot for <paramref name="key"/> and a global slot.</summary>
    /// <param name="key">The key whose in-flight count is limited, for example <c>channel:12:0</c>.</param>
    /// <param name="cancellationToken">The caller's token (the client's request aborted token).</param>
    /// <param name="load">The channel's load, counted in flight while the lease is held (for the selection policies), or <see langword="null"/>.</param>
    /// <returns>An acquired lease to dispose when the call is done, or a refused lease with <see cref="ConcurrencyLease.RetryAfter"/>.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled while waiting; the queue slot is freed.</exception>
    internal ValueTask<ConcurrencyLease> AcquireAsync(string key, CancellationToken cancellationToken, ChannelLoad? load = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var gate = _keys.GetOrAdd(key, static (key, self) => self.CreateGate(key), this);
        if (gate.Scopes is { } scopes)
        {
            return scopes.Length == 0 ? new(Grant(gate, null, null, load)) : AcquireSharedAsync(gate, scopes, load, cancellationToken);
        }

        RateLimitLease? keyLease = null;
        if (gate.Limiter is { } keyLimiter)
        {
            keyLease = keyLimiter.AttemptAcquire();
            if (!keyLease.IsAcquired)
            {
                keyLease.Dispose();
                return AcquireSlowAsync(gate, null, load, cancellationToken);
            }
        }

        if (_global is { } global)
        {
            var globalLease = global.AttemptAcquire();
            if (!globalLease.IsAcquired)
            {
                globalLease.Dispose();
                return AcquireSlowAsync(gate, keyLease, load, cancellationToken);
            }

            return new(Grant(gate, keyLease, globalLease, load));
        }

        return new(Grant(gate, keyLease, null, load));
    }

    /// <summary>Returns the current in-flight and queued counts, the limits, and the in-flight count of each busy key.</summary>
    /// <returns>A snapshot; it does not change as requests come and go.</returns>
    public RelayQueueStatus Status()
    {
        var byKey = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, gate) in _keys)
        {
            var inFlight = Volatile.Read(ref gate.InFlight);
            if (inFlight > 0)
            {
                byKey[key] = inFlight;
            }
        }

        return new RelayQueueStatus(
            Volatile.Read(ref _inFlight),
            Volatile.Read(ref _queued),
            _options.MaxInFlight,
            _options.MaxInFlightPerKey,
            _options.QueueLimit,
            _options.MaxQueueWait,
            byKey);
    }

    /// <summary>Disposes the limiters; requests still waiting are refused.</summary>
    public void Dispose()
    {
        _global?.Dispose();
        foreach (var gate in _keys.Values)
        {
            gate.Limiter?.Dispose();
        }
    }

    internal void Release(RelayKeyGate gate, long acquiredAt)
    {
        Interlocked.Decrement(ref gate.InFlight);
        Interlocked.Decrement(ref _inFlight);
        var held = _timeProvider.GetElapsedTime(acquiredAt).Ticks;
        var average = Volatile.Read(ref _averageHoldTicks);
        Volatile.Write(ref _averageHoldTicks, average == 0 ? held : average + ((held - average) / 8));
    }

    private RelayKeyGate CreateGate(string key)
    {
        if (_slots is null)
        {
            return new RelayKeyGate(_options.MaxInFlightPerKey > 0 ? CreateLimiter(_options.MaxInFlightPerKey, _options.QueueLimit) : null);
        }

        var scopes = new List<ConcurrencySlotScope>(2);
        if (_options.MaxInFlightPerKey > 0)
        {
            scopes.Add(new ConcurrencySlotScope("k:" + key, _options.MaxInFlightPerKey));
        }

        if (_options.MaxInFlight > 0)
        {
            scopes.Add(new ConcurrencySlotScope("g", _options.MaxInFlight));
        }

        return new RelayKeyGate(null, scopes.Count == 0 ? NoScopes : [.. scopes]);
    }

    private static ConcurrencyLimiter CreateLimiter(int permits, int queueLimit) => new(new ConcurrencyLimiterOptions
    {
        PermitLimit = permits,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,

        // The real bound is the relay-wide _queued count, checked before waiting; no single limiter's queue can exceed it.
        QueueLimit = queueLimit,
    });

    private async ValueTask<ConcurrencyLease> AcquireSlowAsync(RelayKeyGate gate, RateLimitLease? keyLease, ChannelLoad? load, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _queued) > _options.QueueLimit)
        {
            Interlocked.Decrement(ref _queued);
            keyLease?.Dispose();
            return ConcurrencyLease.Rejected(ConcurrencyRejection.QueueFull, SuggestRetryAfter());
        }

        RateLimitLease? globalLease = null;
        try
        {
            using var timeout = new CancellationTokenSource(_options.MaxQueueWait, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            if (keyLease is null && gate.Limiter is { } keyLimiter)
            {
                keyLease = await keyLimiter.AcquireAsync(1, linked.Token).ConfigureAwait(false);
                if (!keyLease.IsAcquired)
                {
                    keyLease.Dispose();
                    return ConcurrencyLease.Rejected(ConcurrencyRejection.QueueFull, SuggestRetryAfter());
                }
            }

            if (_global is { } global)
            {
                globalLease = await global.AcquireAsync(1, linked.Token).ConfigureAwait(false);
                if (!globalLease.IsAcquired)
                {
                    globalLease.Dispose();
                    keyLease?.Dispose();
                    return ConcurrencyLease.Rejected(ConcurrencyRejection.QueueFull, SuggestRetryAfter());
                }
            }

            return Grant(gate, keyLease, globalLease, load);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            keyLease?.Dispose();
            return ConcurrencyLease.Rejected(ConcurrencyRejection.QueueTimeout, SuggestRetryAfter());
        }
        catch
        {
            keyLease?.Dispose();
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    private async ValueTask<ConcurrencyLease> AcquireSharedAsync(RelayKeyGate gate, ConcurrencySlotScope[] scopes, ChannelLoad? load, CancellationToken cancellationToken)
    {
        var slots = _slots!;
        var holder = _holderPrefix + Interlocked.Increment(ref _holderSequence).ToString(CultureInfo.InvariantCulture);
        var released = slots.WaitForReleaseAsync();
        var now = _timeProvider.GetUtcNow();
        var deadline = now + _options.MaxQueueWait;
        ConcurrencySlotOutcome outcome;
        try
        {
            outcome = await TryAcquireSharedAsync(slots, scopes, holder, now, deadline, waiting: false, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The script may have run: free what it took rather than leave it until it expires.
            slots.Abandon(scopes, holder);
            throw;
        }

        if (outcome != ConcurrencySlotOutcome.Queued)
        {
            return outcome == ConcurrencySlotOutcome.Acquired
                ? GrantShared(gate, scopes, holder, load)
                : ConcurrencyLease.Rejected(ConcurrencyRejection.QueueFull, SuggestRetryAfter());
        }

        Interlocked.Increment(ref _queued);
        try
        {
            using var timeout = new CancellationTokenSource(_options.MaxQueueWait, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            while (true)
            {
                await Task.WhenAny(released, Task.Delay(SharedPollInterval, _timeProvider, linked.Token)).ConfigureAwait(false);
                linked.Token.ThrowIfCancellationRequested();
                released = slots.WaitForReleaseAsync();
                outcome = await TryAcquireSharedAsync(slots, scopes, holder, _timeProvider.GetUtcNow(), deadline, waiting: true, linked.Token).ConfigureAwait(false);
                if (outcome == ConcurrencySlotOutcome.Acquired)
                {
                    return GrantShared(gate, scopes, holder, load);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            slots.Abandon(scopes, holder);
            return ConcurrencyLease.Rejected(ConcurrencyRejection.QueueTimeout, SuggestRetryAfter());
        }
        catch
        {
            slots.Abandon(scopes, holder);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    /// <summary>Asks the store; when it fails (Redis down), admits the call with a warning rather than failing every call.</summary>
    private async ValueTask<ConcurrencySlotOutcome> TryAcquireSharedAsync(IConcurrencySlotStore slots, ConcurrencySlotScope[] scopes, string holder, DateTimeOffset now, DateTimeOffset deadline, bool waiting, CancellationToken cancellationToken)
    {
        try
        {
            return await slots.TryAcquireAsync(scopes, holder, now, _options.QueueLimit, deadline, waiting, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStoreFailed(_logger, ex);
            return ConcurrencySlotOutcome.Acquired;
        }
    }

    private ConcurrencyLease GrantShared(RelayKeyGate gate, ConcurrencySlotScope[] scopes, string holder, ChannelLoad? load) =>
        Grant(gate, null, null, load, new SharedConcurrencySlot(_slots!, scopes, holder, _timeProvider));

    private ConcurrencyLease Grant(RelayKeyGate gate, RateLimitLease? keyLease, RateLimitLease? globalLease, ChannelLoad? load, SharedConcurrencySlot? shared = null)
    {
        Interlocked.Increment(ref gate.InFlight);
        Interlocked.Increment(ref _inFlight);
        load?.Enter();
        return new ConcurrencyLease(this, gate, keyLease, globalLease, _timeProvider.GetTimestamp(), load, shared);
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "The concurrency slot store failed; the call is admitted without a shared concurrency check.")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception);

    /// <summary>Estimates when a slot frees up: the average hold time times the queue ahead, per slot; whole seconds in [1 s, MaxQueueWait].</summary>
    private TimeSpan SuggestRetryAfter()
    {
        var slots = _options.MaxInFlight > 0 ? _options.MaxInFlight : Math.Max(1, _options.MaxInFlightPerKey);
        var estimate = TimeSpan.FromTicks(Volatile.Read(ref _averageHoldTicks) * (Volatile.Read(ref _queued) + 1L) / slots);
        if (estimate > _options.MaxQueueWait)
        {
            estimate = _options.MaxQueueWait;
        }

        var seconds = Math.Ceiling(estimate.TotalSeconds);
        return seconds < MinimumRetryAfter.TotalSeconds ? MinimumRetryAfter : TimeSpan.FromSeconds(seconds);
    }
}
