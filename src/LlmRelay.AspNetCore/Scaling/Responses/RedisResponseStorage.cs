using System.Text.Json;
using LlmRelay.Configuration;
using LlmRelay.Responses;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LlmRelay.AspNetCore.Scaling.Responses;

/// <summary>Keeps <c>/v1/responses</c> bodies and their turns in Redis, so every gateway instance reads them (issue #18).</summary>
/// <remarks>
/// <code>
/// {prefix}r:{tokenId}:{id}   hash  body = the response JSON, turns = [RedisStoredTurn...] (JSON, oldest first)   PX = ResponseStoreTtl
/// {prefix}index              zset  entry key ─► the time it was stored (TimeProvider, ms), to keep at most MaxEntries
/// </code>
/// <para>
/// The same limits as in memory: every entry lives for <see cref="LlmRelayOptions.ResponseStoreTtl"/> (a Redis expiry), and
/// storing one beyond <see cref="DefaultMaxEntries"/> drops the oldest, all in one script (one round trip). The key holds the
/// token id, so a response is visible only to the token that created it, exactly as in memory. The default prefix carries a
/// hash tag, so the script's keys share one slot on a Redis cluster.
/// </para>
/// <para>
/// A write that fails (Redis down) is logged and the response is not kept; a read that fails throws
/// <see cref="ResponseStoreUnavailableException"/> (the caller's 503). Thread-safe.
/// </para>
/// </remarks>
internal sealed partial class RedisResponseStorage : IResponseStorage
{
    /// <summary>The prefix of every key this store writes.</summary>
    internal const string DefaultKeyPrefix = "{llmrelay-resp}:";

    /// <summary>The most entries kept, as <see cref="ResponseStore"/> keeps in memory.</summary>
    internal const int DefaultMaxEntries = 10_000;

    private static readonly RedisValue BodyField = "body";
    private static readonly RedisValue TurnsField = "turns";

    // KEYS[1] entry, KEYS[2] index; ARGV[1] body, ARGV[2] turns ('' = none), ARGV[3] ttl ms, ARGV[4] now ms, ARGV[5] max entries.
    private const string StoreScript = """
        redis.call('DEL', KEYS[1])
        if ARGV[2] == '' then
          redis.call('HSET', KEYS[1], 'body', ARGV[1])
        else
          redis.call('HSET', KEYS[1], 'body', ARGV[1], 'turns', ARGV[2])
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('ZADD', KEYS[2], ARGV[4], KEYS[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[4]) - tonumber(ARGV[3]))
        local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
        if excess > 0 then
          local oldest = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
          for i = 1, #oldest do
            redis.call('DEL', oldest[i])
          end
          redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
        end
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        return 0
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _ttlMilliseconds;
    private readonly int _maxEntries;
    private readonly string _prefix;
    private readonly RedisKey _index;

    public RedisResponseStorage(IConnectionMultiplexer redis, IOptions<LlmRelayOptions> options, TimeProvider time, ILogger<RedisResponseStorage> logger)
        : this(redis, options.Value.ResponseStoreTtl, DefaultMaxEntries, time, logger, DefaultKeyPrefix)
    {
    }

    internal RedisResponseStorage(IConnectionMultiplexer redis, TimeSpan ttl, int maxEntries, TimeProvider time, ILogger logger, string keyPrefix)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _redis = redis;
        _time = time;
        _logger = logger;
        _ttlMilliseconds = (long)ttl.TotalMilliseconds;
        _maxEntries = maxEntries;
        _prefix = keyPrefix;
        _index = keyPrefix + "index";
    }

    public async ValueTask StoreAsync(string id, long tokenId, ReadOnlyMemory<byte> body, ResponseTurn? turn, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        RedisKey[] keys = [Key(id, tokenId), _index];
        RedisValue[] values =
        [
            body,
            turn is null ? RedisValue.EmptyString : JsonSerializer.SerializeToUtf8Bytes(Flatten(turn), ScalingJsonContext.Default.RedisStoredTurnArray),
            _ttlMilliseconds,
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
            _maxEntries,
        ];
        try
        {
            await _redis.GetDatabase().ScriptEvaluateAsync(StoreScript, keys, values).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            // The caller already has its answer; only GET and previous_response_id on it will not find it.
            LogStoreFailed(_logger, ex, id);
        }
    }

    public async ValueTask<ReadOnlyMemory<byte>?> GetAsync(string id, long tokenId, CancellationToken cancellationToken)
    {
        var body = await ReadAsync(id, tokenId, BodyField).ConfigureAwait(false);
        return body.IsNull ? (ReadOnlyMemory<byte>?)null : (ReadOnlyMemory<byte>)body;
    }

    public async ValueTask<ResponseTurn?> FindTurnAsync(string id, long tokenId, CancellationToken cancellationToken)
    {
        var turns = await ReadAsync(id, tokenId, TurnsField).ConfigureAwait(false);
        if (turns.IsNullOrEmpty)
        {
            return null;
        }

        ResponseTurn? turn = null;
        foreach (var stored in JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)turns).Span, ScalingJsonContext.Default.RedisStoredTurnArray) ?? [])
        {
            turn = new ResponseTurn(turn, stored.Items, stored.ChannelId, stored.StoredUpstream);
        }

        return turn;
    }

    /// <summary>Returns the key of the entry of <paramref name="tokenId"/> named <paramref name="id"/>.</summary>
    internal RedisKey Key(string id, long tokenId) => string.Concat(_prefix, "r:", tokenId.ToString(System.Globalization.CultureInfo.InvariantCulture), ":", id);

    private async Task<RedisValue> ReadAsync(string id, long tokenId, RedisValue field)
    {
        try
        {
            return await _redis.GetDatabase().HashGetAsync(Key(id, tokenId), field).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            // Not "not found": the caller gets 503 and may retry, instead of a 400 that would end its conversation.
            LogReadFailed(_logger, ex, id);
            throw new ResponseStoreUnavailableException("The response store in Redis cannot be reached.", ex);
        }
    }

    private static RedisStoredTurn[] Flatten(ResponseTurn turn)
    {
        var turns = new RedisStoredTurn[turn.Depth];
        var i = turns.Length;
        for (var t = turn; t is not null && i > 0; t = t.Previous)
        {
            turns[--i] = new RedisStoredTurn { Items = t.Items.ToArray(), ChannelId = t.ChannelId, StoredUpstream = t.StoredUpstream };
        }

        return turns;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Could not keep response {Id} in Redis; GET and previous_response_id will not find it.")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string id);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Could not read response {Id} from Redis; the caller gets 503.")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, string id);
}
