using System.Net;
using StackExchange.Redis;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Counts sign-in attempts in Redis, so every gateway instance sees the same lockout (issue #18).</summary>
/// <remarks>
/// <para>
/// The same fixed window as <see cref="LoginRateLimiter"/>: per partition (<see cref="LoginRateLimiter.Key"/>) a counter
/// <c>{prefix}{partition}</c> that the first attempt creates with a Redis expiry of <see cref="LoginRateLimiter.Window"/>;
/// <see cref="LoginRateLimiter.PermitsPerWindow"/> attempts fit in it. Each call is one script, so one round trip, and the
/// count and its expiry change together. <c>Retry-After</c> is the counter's remaining time to live.
/// </para>
/// <para>When Redis cannot be reached the call fails (the caller's 500) rather than letting attempts through uncounted. Thread-safe.</para>
/// </remarks>
internal sealed class RedisLoginRateLimiter(IConnectionMultiplexer redis, string keyPrefix = RedisLoginRateLimiter.DefaultKeyPrefix) : ILoginRateLimiter
{
    /// <summary>The prefix of every key this limiter writes.</summary>
    internal const string DefaultKeyPrefix = "llmrelay-login:";

    // KEYS[1] counter; ARGV[1] window ms, ARGV[2] permits. 1 when the attempt is counted, 0 when the window is used up.
    private const string AcquireScript = """
        local n = tonumber(redis.call('GET', KEYS[1]) or '0')
        if n >= tonumber(ARGV[2]) then
          return 0
        end
        redis.call('INCR', KEYS[1])
        if redis.call('PTTL', KEYS[1]) < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
        end
        return 1
        """;

    // KEYS[1] counter; ARGV[1] permits. The counter's time to live in ms when the window is used up, else -1.
    private const string LimitedScript = """
        local n = tonumber(redis.call('GET', KEYS[1]) or '0')
        if n < tonumber(ARGV[1]) then
          return -1
        end
        return redis.call('PTTL', KEYS[1])
        """;

    private static readonly RedisValue WindowMilliseconds = (long)LoginRateLimiter.Window.TotalMilliseconds;

    public async ValueTask<bool> TryAcquireAsync(IPAddress? address, string name, CancellationToken cancellationToken)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, [Key(address, name)], [WindowMilliseconds, LoginRateLimiter.PermitsPerWindow]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async ValueTask<TimeSpan?> LimitedForAsync(IPAddress? address, string name, CancellationToken cancellationToken)
    {
        var result = (long)await redis.GetDatabase().ScriptEvaluateAsync(LimitedScript, [Key(address, name)], [LoginRateLimiter.PermitsPerWindow]).ConfigureAwait(false);

        // PTTL is -1 for a counter without expiry (none is left so) and -2 for one gone meanwhile: not limited.
        return result < 0 ? null : TimeSpan.FromMilliseconds(result);
    }

    // Counted past the limit too, as in memory.
    public async ValueTask RecordFailureAsync(IPAddress? address, string name, CancellationToken cancellationToken) =>
        await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, [Key(address, name)], [WindowMilliseconds, int.MaxValue]).ConfigureAwait(false);

    private RedisKey Key(IPAddress? address, string name) => keyPrefix + LoginRateLimiter.Key(address, name);
}
