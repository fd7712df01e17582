namespace LlmRelay.Health;

/// <summary>The circuit breaker and enabled state of one channel key.</summary>
/// <remarks>
/// Thread-safe: a closed key is admitted with one volatile read; every other transition takes a small per-key lock.
/// The window is <see cref="ChannelBreakerSettings.BucketCount"/> buckets indexed by
/// <c>timestamp / bucketTicks</c>; a bucket whose id is older than the window counts as empty and is reused.
/// <code>
///            failures/calls >= ratio            break ended:
///            and calls >= minimum               first TryAcquire wins the probe
///  Closed ───────────────────────────► Open ──────────────────────────────► HalfOpen
///    ▲                                   ▲                                     │
///    │                                   └───────── probe failed ──────────────┤
///    └────────────────── probe succeeded (window reset) ───────────────────────┘
///  any state ── definitive failure ──► Disabled ── Enable() ──► Closed
/// </code>
/// </remarks>
internal sealed class ChannelKeyBreaker
{
    private const int BucketCount = ChannelBreakerSettings.BucketCount;

    private readonly Lock _lock = new();
    private readonly ChannelBreakerSettings _settings;
    private readonly int[] _calls = new int[BucketCount];
    private readonly int[] _failures = new int[BucketCount];
    private readonly long[] _bucketIds = new long[BucketCount];
    private volatile ChannelKeyState _state;

    // Open: when the break ends. HalfOpen: when the probe's claim lapses, so a probe that never reports does not wedge the key.
    private long _blockedUntil;
    private string? _disabledReason;
    private DateTimeOffset _disabledAt;

    public ChannelKeyBreaker(ChannelBreakerSettings settings)
    {
        _settings = settings;
        ResetWindow();
    }

    public bool IsDisabled => _state == ChannelKeyState.Disabled;

    public string? DisabledReason
    {
        get
        {
            lock (_lock)
            {
                return _state == ChannelKeyState.Disabled ? _disabledReason : null;
            }
        }
    }

    public bool TryAcquire(long now)
    {
        if (_state == ChannelKeyState.Closed)
        {
            return true;
        }

        lock (_lock)
        {
            switch (_state)
            {
                case ChannelKeyState.Closed:
                    return true;
                case ChannelKeyState.Open or ChannelKeyState.HalfOpen when now >= _blockedUntil:
                    _state = ChannelKeyState.HalfOpen;
                    _blockedUntil = now + _settings.BreakTicks;
                    return true;
                default:
                    return false;
            }
        }
    }

    public ChannelKeyTransition ReportSuccess(long now)
    {
        lock (_lock)
        {
            switch (_state)
            {
                case ChannelKeyState.Closed:
                    Record(now, failed: false);
                    return ChannelKeyTransition.None;
                case ChannelKeyState.HalfOpen:
                    _state = ChannelKeyState.Closed;
                    ResetWindow();
                    return ChannelKeyTransition.Closed;
                default:
                    // A late answer to a call admitted before the key opened or was disabled changes nothing.
                    return ChannelKeyTransition.None;
            }
        }
    }

    public ChannelKeyTransition ReportTransientFailure(long now, out int calls, out int failures)
    {
        calls = 0;
        failures = 0;
        lock (_lock)
        {
            switch (_state)
            {
                case ChannelKeyState.Closed:
                    Record(now, failed: true);
                    Count(now, out calls, out failures);
                    if (calls < _settings.MinimumThroughput || (double)failures / calls < _settings.FailureRatio)
                    {
                        return ChannelKeyTransition.None;
                    }

                    break;
                case ChannelKeyState.HalfOpen:
                    break;
                default:
                    return ChannelKeyTransition.None;
            }

            _state = ChannelKeyState.Open;
            _blockedUntil = now + _settings.BreakTicks;
            return ChannelKeyTransition.Opened;
        }
    }

    public ChannelKeyTransition Disable(string reason, DateTimeOffset at)
    {
        lock (_lock)
        {
            if (_state == ChannelKeyState.Disabled)
            {
                return ChannelKeyTransition.None;
            }

            _state = ChannelKeyState.Disabled;
            _disabledReason = reason;
            _disabledAt = at;
            return ChannelKeyTransition.Disabled;
        }
    }

    public ChannelKeyTransition Enable()
    {
        lock (_lock)
        {
            var wasDisabled = _state == ChannelKeyState.Disabled;
            _state = ChannelKeyState.Closed;
            _disabledReason = null;
            _disabledAt = default;
            ResetWindow();
            return wasDisabled ? ChannelKeyTransition.Enabled : ChannelKeyTransition.None;
        }
    }

    public ChannelKeyHealth Snapshot(long now, DateTimeOffset utcNow)
    {
        lock (_lock)
        {
            Count(now, out var calls, out var failures);
            return _state switch
            {
                ChannelKeyState.Disabled => new(ChannelKeyState.Disabled, calls, failures, null, _disabledReason, _disabledAt),
                ChannelKeyState.Open when now < _blockedUntil => new(ChannelKeyState.Open, calls, failures, utcNow + _settings.ToTimeSpan(_blockedUntil - now), null, null),
                ChannelKeyState.Open or ChannelKeyState.HalfOpen => new(ChannelKeyState.HalfOpen, calls, failures, null, null, null),
                _ => new(ChannelKeyState.Closed, calls, failures, null, null, null),
            };
        }
    }

    private void Record(long now, bool failed)
    {
        var id = now / _settings.BucketTicks;
        var index = (int)((ulong)id % BucketCount);
        if (_bucketIds[index] != id)
        {
            _bucketIds[index] = id;
            _calls[index] = 0;
            _failures[index] = 0;
        }

        _calls[index]++;
        if (failed)
        {
            _failures[index]++;
        }
    }

    private void Count(long now, out int calls, out int failures)
    {
        calls = 0;
        failures = 0;
        var current = now / _settings.BucketTicks;
        for (var i = 0; i < BucketCount; i++)
        {
            // Unsigned: unused buckets (long.MinValue) and any bucket from the future fall outside the window.
            if (unchecked((ulong)(current - _bucketIds[i])) < BucketCount)
            {
                calls += _calls[i];
                failures += _failures[i];
            }
        }
    }

    private void ResetWindow()
    {
        Array.Fill(_bucketIds, long.MinValue);
        Array.Clear(_calls);
        Array.Clear(_failures);
    }
}
