using LlmRelay.AspNetCore.Management.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.FunctionalTests.Scaling;

/// <summary>The Redis <c>/api/verify</c> state: a verification accepted by one instance holds on every other for five minutes (issue #18).</summary>
public sealed class RedisSecureVerificationTests : RedisScratch
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task VerifyAsync_OnOneInstance_HoldsOnAnother_ForFiveMinutes_ForThatUserOnly()
    {
        var a = await CreateSutAsync();
        var b = await CreateSutAsync();
        Assert.Null(await b.VerifiedUntilAsync(1, Ct));

        var until = await a.VerifyAsync(1, Ct);

        Assert.Equal(_clock.GetUtcNow() + SecureVerification.Lifetime, until);
        Assert.Equal(until, await b.VerifiedUntilAsync(1, Ct));
        Assert.Null(await b.VerifiedUntilAsync(2, Ct));
        var ttl = await Redis!.GetDatabase().KeyTimeToLiveAsync(Prefix + "1");
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(4), SecureVerification.Lifetime);

        _clock.Advance(SecureVerification.Lifetime);
        Assert.Null(await b.VerifiedUntilAsync(1, Ct));
    }

    private async Task<RedisSecureVerification> CreateSutAsync()
    {
        var redis = await ConnectAsync();
        return new RedisSecureVerification(redis, _clock, Prefix);
    }
}
