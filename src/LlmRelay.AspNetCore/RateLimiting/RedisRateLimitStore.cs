using LlmRelay.RateLimiting;
using StackExchange.Redis;

namespace LlmRelay.AspNetCore.RateLimiting;

/// <summary>An <see cref="IRateLimitStore"/> in Redis, so that rate limits hold across every gateway instance that shares it.</summary>
/// <remarks>
/// <para>
/// The same sliding window as the in-memory store (<see cref="RateLimitWindow"/>: one minute of one-second segments), kept
/// as one hash per counter (fields <c>r:&lt;segment&gt;</c> for calls started and <c>t:&lt;segment&gt;</c> for settled
/// tokens). One Lua script checks and counts all the rules of a call in one round trip, atomically: a refused call is
/// counted nowhere. Segments are read from the relay's <see cref="TimeProvider"/> (instances are expected to keep their
/// clocks in step, as NTP does); hashes expire a minute after their last count.
/// </para>
/// <para>
/// Keys share the hash tag <c>{llmrelay-rl}</c> so that one script's keys live in one slot of a Redis Cluster. Settled
/// tokens are sent fire-and-forget: a call's end never waits for Redis. Thread-safe.
/// </para>
/// </remarks>
internal sealed class RedisRateLimitStore(IConnectionMultiplexer redis, string keyPrefix = RedisRateLimitStore.DefaultKeyPrefix) : IRateLimitStore
{
    internal const string DefaultKeyPrefix = "{llmrelay-rl}:";

    // KEYS: one hash per rule. ARGV: now (ms), segment (ms), segments per window, then requests and tokens per minute per key.
    // Returns {0, 0} when admitted (counted in every hash), else {index of the rule that refused longest, wait in ms}.
    private const string AcquireScript = """
        local now = tonumber(ARGV[1])
        local segms = tonumber(ARGV[2])
        local n = tonumber(ARGV[3])
        local seg = math.floor(now / segms)
        local oldest = seg - n + 1
        local wait, refused = 0, 0
        local function waitfor(counts, total, limit)
          for s = oldest, seg do
            total = total - (counts[s] or 0)
            if total < limit then return (s + n) * segms - now end
          end
          return (seg + n) * segms - now
        end
        for i, key in ipairs(KEYS) do
          local rpm = tonumber(ARGV[2 + 2 * i])
          local tpm = tonumber(ARGV[3 + 2 * i])
          local fields = redis.call('HGETALL', key)
          local reqs, toks, rsum, tsum = {}, {}, 0, 0
          for j = 1, #fields, 2 do
            local f = fields[j]
            local s = tonumber(string.sub(f, 3))
            local v = tonumber(fields[j + 1])
            if s < oldest then
              redis.call('HDEL', key, f)
            elseif string.sub(f, 1, 1) == 'r' then
              reqs[s] = v
              rsum = rsum + v
            else
              toks[s] = v
              tsum = tsum + v
            end
          end
          if rpm > 0 and rsum >= rpm then
            local w = waitfor(reqs, rsum, rpm)
            if w > wait then wait, refused = w, i end
          end
          if tpm > 0 and tsum >= tpm then
            local w = waitfor(toks, tsum, tpm)
            if w > wait then wait, refused = w, i end
          end
        end
        if refused > 0 then return {refused, math.max(1, wait)} end
        local field = 'r:' .. string.format('%d', seg)
        for _, key in ipairs(KEYS) do
          redis.call('HINCRBY', key, field, 1)
          redis.call('PEXPIRE', key, (n + 1) * segms)
        end
        return {0, 0}
        """;

    // KEYS: the hashes of the rules that limit tokens. ARGV: now (ms), segment (ms), segments per window, tokens.
    private const string RecordScript = """
        local segms = tonumber(ARGV[2])
        local field = 't:' .. string.format('%d', math.floor(tonumber(ARGV[1]) / segms))
        for _, key in ipairs(KEYS) do
          redis.call('HINCRBY', key, field, ARGV[4])
          redis.call('PEXPIRE', key, (tonumber(ARGV[3]) + 1) * segms)
        end
        return 0
        """;

    /// <inheritdoc/>
    public async ValueTask<RateLimitDecision> TryAcquireAsync(ReadOnlyMemory<RateLimitRule> rules, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var span = rules.Span;
        var keys = new RedisKey[span.Length];
        var values = new RedisValue[3 + (2 * span.Length)];
        values[0] = now.ToUnixTimeMilliseconds();
        values[1] = RateLimitWindow.SegmentMilliseconds;
        values[2] = RateLimitWindow.Segments;
        for (var i = 0; i < span.Length; i++)
        {
            keys[i] = keyPrefix + span[i].Key;
            values[3 + (2 * i)] = span[i].RequestsPerMinute;
            values[4 + (2 * i)] = span[i].TokensPerMinute;
        }

        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, keys, values).WaitAsync(cancellationToken).ConfigureAwait(false))!;
        var refused = (int)result[0];
        return refused == 0
            ? RateLimitDecision.Admitted
            : new RateLimitDecision(false, TimeSpan.FromMilliseconds((long)result[1]), rules.Span[refused - 1].Key);
    }

    /// <inheritdoc/>
    public void RecordTokens(ReadOnlyMemory<RateLimitRule> rules, long tokens, DateTimeOffset now)
    {
        var span = rules.Span;
        var count = 0;
        foreach (var rule in span)
        {
            count += rule.TokensPerMinute > 0 ? 1 : 0;
        }

        if (count == 0 || tokens <= 0)
        {
            return;
        }

        var keys = new RedisKey[count];
        count = 0;
        foreach (var rule in span)
        {
            if (rule.TokensPerMinute > 0)
            {
                keys[count++] = keyPrefix + rule.Key;
            }
        }

        RedisValue[] values = [now.ToUnixTimeMilliseconds(), RateLimitWindow.SegmentMilliseconds, RateLimitWindow.Segments, tokens];
        redis.GetDatabase().ScriptEvaluate(RecordScript, keys, values, CommandFlags.FireAndForget);
    }
}
