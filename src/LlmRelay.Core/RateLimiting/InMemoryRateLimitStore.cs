using System.Collections.Concurrent;

namespace LlmRelay.RateLimiting;

/// <summary>The built-in <see cref="IRateLimitStore"/>: sliding-window counters in process memory, for a single instance.</summary>
/// <remarks>
/// <para>
/// Each counter keeps one minute of one-second segments (<see cref="RateLimitWindow"/>) in a ring, read from the
/// <see cref="TimeProvider"/> the relay passes in, so tests drive it with a fake clock and <c>Retry-After</c> is exact to
/// the second. Written over <see cref="TimeProvider"/> rather than <c>System.Threading.RateLimiting</c>: its window
/// limiters read the system clock only (dotnet/runtime#106447), cannot say when a permit returns, cannot take a count
/// after the fact (tokens per minute are known only once a call settles) and cannot check several limiters all or
/// nothing. The same algorithm runs in Redis (the Lua script of the Redis store), so one instance and many agree.
/// </para>
/// <para>Thread-safe: a call locks its counters in rule order (token, user, group, model), so two calls never wait on each other in a cycle. Idle counters are dropped once more than 10000 exist.</para>
/// </remarks>
internal sealed class InMemoryRateLimitStore : IRateLimitStore
{
    private const int SweepThreshold = 10_000;

    private readonly ConcurrentDictionary<string, WindowCounter> _counters = new(StringComparer.Ordinal);

    /// <summary>Gets the number of counters held (for tests of the sweep).</summary>
    internal int Count => _counters.Count;

    /// <inheritdoc/>
    public ValueTask<RateLimitDecision> TryAcquireAsync(ReadOnlyMemory<RateLimitRule> rules, DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryAcquire(rules.Span, now));

    /// <inheritdoc/>
    public void RecordTokens(ReadOnlyMemory<RateLimitRule> rules, long tokens, DateTimeOffset now)
    {
        if (tokens <= 0)
        {
            return;
        }

        var segment = RateLimitWindow.SegmentOf(now);
        foreach (var rule in rules.Span)
        {
            if (rule.TokensPerMinute > 0)
            {
                var counter = CounterFor(rule.Key, segment);
                lock (counter)
                {
                    counter.Add(segment, 0, tokens);
                }
            }
        }
    }

    private RateLimitDecision TryAcquire(ReadOnlySpan<RateLimitRule> rules, DateTimeOffset now)
    {
        var segment = RateLimitWindow.SegmentOf(now);
        var counters = new WindowCounter[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            counters[i] = CounterFor(rules[i].Key, segment);
        }

        var locked = 0;
        try
        {
            for (; locked < counters.Length; locked++)
            {
                Monitor.Enter(counters[locked]);
            }

            var decision = RateLimitDecision.Admitted;
            for (var i = 0; i < rules.Length; i++)
            {
                var wait = counters[i].Refusal(rules[i], segment, now);
                if (wait > decision.RetryAfter)
                {
                    decision = new RateLimitDecision(false, wait, rules[i].Key);
                }
            }

            if (decision.Allowed)
            {
                foreach (var counter in counters)
                {
                    counter.Add(segment, 1, 0);
                }
            }

            return decision;
        }
        finally
        {
            for (var i = locked - 1; i >= 0; i--)
            {
                Monitor.Exit(counters[i]);
            }
        }
    }

    private WindowCounter CounterFor(string key, long segment)
    {
        if (_counters.TryGetValue(key, out var counter))
        {
            return counter;
        }

        if (_counters.Count >= SweepThreshold)
        {
            foreach (var (idleKey, idle) in _counters)
            {
                if (Volatile.Read(ref idle.LastSegment) <= segment - RateLimitWindow.Segments)
                {
                    _counters.TryRemove(idleKey, out _);
                }
            }
        }

        return _counters.GetOrAdd(key, static _ => new WindowCounter());
    }

    /// <summary>One key's ring of segments: calls started and settled tokens per second, for the last minute.</summary>
    private sealed class WindowCounter
    {
        private readonly long[] _stamps = new long[RateLimitWindow.Segments];
        private readonly long[] _requests = new long[RateLimitWindow.Segments];
        private readonly long[] _tokens = new long[RateLimitWindow.Segments];

        public long LastSegment;

        public void Add(long segment, long requests, long tokens)
        {
            var slot = (int)(segment % RateLimitWindow.Segments);
            if (_stamps[slot] != segment)
            {
                _stamps[slot] = segment;
                _requests[slot] = 0;
                _tokens[slot] = 0;
            }

            _requests[slot] += requests;
            _tokens[slot] += tokens;
            Volatile.Write(ref LastSegment, Math.Max(LastSegment, segment));
        }

        // Zero when the rule admits a call now; else the wait until enough of the oldest segments left the window.
        public TimeSpan Refusal(in RateLimitRule rule, long segment, DateTimeOffset now)
        {
            var requestWait = rule.RequestsPerMinute > 0 ? Wait(_requests, rule.RequestsPerMinute, segment, now) : TimeSpan.Zero;
            var tokenWait = rule.TokensPerMinute > 0 ? Wait(_tokens, rule.TokensPerMinute, segment, now) : TimeSpan.Zero;
            return requestWait > tokenWait ? requestWait : tokenWait;
        }

        private TimeSpan Wait(long[] counts, long limit, long segment, DateTimeOffset now)
        {
            var oldest = segment - RateLimitWindow.Segments + 1;
            long total = 0;
            for (var s = oldest; s <= segment; s++)
            {
                total += CountAt(counts, s);
            }

            if (total < limit)
            {
                return TimeSpan.Zero;
            }

            // Walk from the oldest segment: the call is admitted once the segments that leave take the total below the limit.
            for (var s = oldest; s <= segment; s++)
            {
                total -= CountAt(counts, s);
                if (total < limit)
                {
                    return RateLimitWindow.UntilExpired(s, now);
                }
            }

            return RateLimitWindow.UntilExpired(segment, now);
        }

        private long CountAt(long[] counts, long segment)
        {
            var slot = (int)(segment % RateLimitWindow.Segments);
            return _stamps[slot] == segment ? counts[slot] : 0;
        }
    }
}
