using System.Globalization;
using StackExchange.Redis;

namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Keeps <c>POST /api/verify</c> verifications in Redis, so one accepted by any gateway instance holds on all (issue #18).</summary>
/// <remarks>
/// One key per user, <c>{prefix}{userId}</c>, holding when the verification ends (Unix milliseconds) with a Redis expiry of
/// <see cref="SecureVerification.Lifetime"/>; a read also compares that end with <see cref="TimeProvider"/>. Thread-safe.
/// </remarks>
internal sealed class RedisSecureVerification(IConnectionMultiplexer redis, TimeProvider time, string keyPrefix = RedisSecureVerification.DefaultKeyPrefix) : ISecureVerification
{
    /// <summary>The prefix of every key this store writes.</summary>
    internal const string DefaultKeyPrefix = "llmrelay-verify:";

    public async ValueTask<DateTimeOffset> VerifyAsync(long userId, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + SecureVerification.Lifetime;
        await redis.GetDatabase().StringSetAsync(Key(userId), until.ToUnixTimeMilliseconds(), SecureVerification.Lifetime).ConfigureAwait(false);
        return until;
    }

    public async ValueTask<DateTimeOffset?> VerifiedUntilAsync(long userId, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().StringGetAsync(Key(userId)).ConfigureAwait(false);
        if (!value.TryParse(out long milliseconds))
        {
            return null;
        }

        var until = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        return until > time.GetUtcNow() ? until : null;
    }

    private RedisKey Key(long userId) => keyPrefix + userId.ToString(CultureInfo.InvariantCulture);
}
