using LlmRelay.Concurrency;
using StackExchange.Redis;

namespace LlmRelay.AspNetCore.Concurrency;

/// <summary>An <see cref="IConcurrencySlotStore"/> in Redis, so that concurrency limits and the wait queue hold across every gateway instance that shares it (issue #18).</summary>
/// <remarks>
/// <para>
/// Each scope is a sorted set (<c>{llmrelay-cc}:k:channel:12:0</c> for a key, <c>{llmrelay-cc}:g</c> for the global
/// limit) whose members are the holders of its slots, scored by when their lease expires; the wait queue is one more
/// sorted set (<c>{llmrelay-cc}:queue</c>) scored by each waiter's deadline. Taking slots is one Lua script: drop the
/// expired members, count, and add to every scope if all have room, else count the caller in the queue if it has room.
/// Release is a script that removes the holder (<c>ZREM</c>) and publishes on <c>{llmrelay-cc}:released</c>, which
/// wakes the waiters on every instance. Renewals and releases are sent fire-and-forget: a call never waits for them.
/// </para>
/// <para>
/// Scores are read from the relay's <see cref="TimeProvider"/> (instances are expected to keep their clocks in step, as NTP
/// does), so a holder that stops renewing (a killed instance) loses its slots <see cref="LeaseDuration"/> later. The keys
/// share the hash tag <c>{llmrelay-cc}</c> so that one script's keys live in one slot of a Redis Cluster, and expire
/// (in Redis time) two lease durations after their last change. Thread-safe.
/// </para>
/// </remarks>
internal sealed class RedisConcurrencySlotStore : IConcurrencySlotStore
{
    internal const string DefaultKeyPrefix = "{llmrelay-cc}:";

    // KEYS: the scopes, then the queue. ARGV: now, expiry, holder, queue limit, queue deadline, waiting (0/1),
    // scope TTL (ms), queue TTL (ms), then each scope's limit. Returns 1 acquired, 0 queued, -1 queue full.
    private const string AcquireScript = """
        local now = tonumber(ARGV[1])
        local n = #KEYS - 1
        local free = true
        for i = 1, n do
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
          if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[8 + i]) then free = false end
        end
        local queue = KEYS[n + 1]
        if free then
          for i = 1, n do
            redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3])
            redis.call('PEXPIRE', KEYS[i], ARGV[7])
          end
          redis.call('ZREM', queue, ARGV[3])
          return 1
        end
        if ARGV[6] == '1' then return 0 end
        redis.call('ZREMRANGEBYSCORE', queue, '-inf', now)
        if redis.call('ZCARD', queue) >= tonumber(ARGV[4]) then return -1 end
        redis.call('ZADD', queue, ARGV[5], ARGV[3])
        redis.call('PEXPIRE', queue, ARGV[8])
        return 0
        """;

    // KEYS: the scopes. ARGV: expiry, holder, scope TTL (ms). Only moves the expiry of a slot still held (XX).
    private const string RenewScript = """
        for _, key in ipairs(KEYS) do
          if redis.call('ZADD', key, 'XX', 'CH', ARGV[1], ARGV[2]) > 0 then redis.call('PEXPIRE', key, ARGV[3]) end
        end
        return 0
        """;

    // KEYS: the scopes (and, to abandon, the queue last). ARGV: holder, release channel. Publishes only when a slot was freed.
    private const string ReleaseScript = """
        local freed = 0
        for _, key in ipairs(KEYS) do
          freed = freed + redis.call('ZREM', key, ARGV[1])
        end
        if freed > 0 then redis.call('PUBLISH', ARGV[2], '1') end
        return freed
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly string _keyPrefix;
    private readonly RedisKey _queueKey;
    private readonly RedisChannel _releasedChannel;
    private readonly string _releasedChannelName;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the store and subscribes to the release channel.</summary>
    /// <param name="redis">The shared Redis connection.</param>
    /// <param name="keyPrefix">The prefix of every key and of the channel; keep the hash tag so a cluster keeps a script's keys together.</param>
    /// <param name="leaseDuration">How long a slot stays taken without renewal; the default is 30 seconds.</param>
    public RedisConcurrencySlotStore(IConnectionMultiplexer redis, string keyPrefix = DefaultKeyPrefix, TimeSpan? leaseDuration = null)
    {
        _redis = redis;
        _keyPrefix = keyPrefix;
        LeaseDuration = leaseDuration ?? TimeSpan.FromSeconds(30);
        _queueKey = keyPrefix + "queue";
        _releasedChannelName = keyPrefix + "released";
        _releasedChannel = RedisChannel.Literal(_releasedChannelName);
        redis.GetSubscriber().Subscribe(_releasedChannel, (_, _) => Pulse(), CommandFlags.FireAndForget);
    }

    /// <inheritdoc/>
    public TimeSpan LeaseDuration { get; }

    private long ScopeTtlMilliseconds => (long)(LeaseDuration.TotalMilliseconds * 2);

    /// <inheritdoc/>
    public async ValueTask<ConcurrencySlotOutcome> TryAcquireAsync(
        ReadOnlyMemory<ConcurrencySlotScope> scopes,
        string holder,
        DateTimeOffset now,
        int queueLimit,
        DateTimeOffset queueDeadline,
        bool waiting,
        CancellationToken cancellationToken)
    {
        var span = scopes.Span;
        var keys = new RedisKey[span.Length + 1];
        var values = new RedisValue[8 + span.Length];
        var nowMs = now.ToUnixTimeMilliseconds();
        values[0] = nowMs;
        values[1] = (now + LeaseDuration).ToUnixTimeMilliseconds();
        values[2] = holder;
        values[3] = queueLimit;
        values[4] = queueDeadline.ToUnixTimeMilliseconds();
        values[5] = waiting ? 1 : 0;
        values[6] = ScopeTtlMilliseconds;
        values[7] = Math.Max(1, queueDeadline.ToUnixTimeMilliseconds() - nowMs) + ScopeTtlMilliseconds;
        for (var i = 0; i < span.Length; i++)
        {
            keys[i] = _keyPrefix + span[i].Name;
            values[8 + i] = span[i].Limit;
        }

        keys[^1] = _queueKey;
        var result = (long)(await _redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, keys, values).WaitAsync(cancellationToken).ConfigureAwait(false));
        return result switch
        {
            1 => ConcurrencySlotOutcome.Acquired,
            0 => ConcurrencySlotOutcome.Queued,
            _ => ConcurrencySlotOutcome.QueueFull,
        };
    }

    /// <inheritdoc/>
    public void Renew(ReadOnlyMemory<ConcurrencySlotScope> scopes, string holder, DateTimeOffset now)
    {
        RedisValue[] values = [(now + LeaseDuration).ToUnixTimeMilliseconds(), holder, ScopeTtlMilliseconds];
        _redis.GetDatabase().ScriptEvaluate(RenewScript, ScopeKeys(scopes.Span, withQueue: false), values, CommandFlags.FireAndForget);
    }

    /// <inheritdoc/>
    public void Release(ReadOnlyMemory<ConcurrencySlotScope> scopes, string holder) => Remove(scopes.Span, holder, withQueue: false);

    /// <inheritdoc/>
    public void Abandon(ReadOnlyMemory<ConcurrencySlotScope> scopes, string holder) => Remove(scopes.Span, holder, withQueue: true);

    /// <inheritdoc/>
    public Task WaitForReleaseAsync() => Volatile.Read(ref _released).Task;

    private void Remove(ReadOnlySpan<ConcurrencySlotScope> scopes, string holder, bool withQueue)
    {
        _redis.GetDatabase().ScriptEvaluate(ReleaseScript, ScopeKeys(scopes, withQueue), [holder, _releasedChannelName], CommandFlags.FireAndForget);

        // Local waiters need not wait for the message: their next script runs after this one on the same connection.
        Pulse();
    }

    private RedisKey[] ScopeKeys(ReadOnlySpan<ConcurrencySlotScope> scopes, bool withQueue)
    {
        var keys = new RedisKey[scopes.Length + (withQueue ? 1 : 0)];
        for (var i = 0; i < scopes.Length; i++)
        {
            keys[i] = _keyPrefix + scopes[i].Name;
        }

        if (withQueue)
        {
            keys[^1] = _queueKey;
        }

        return keys;
    }

    private void Pulse() =>
        Interlocked.Exchange(ref _released, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
