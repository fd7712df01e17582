using System.Net;
using LlmRelay.AspNetCore.Management.Infrastructure;

namespace LlmRelay.FunctionalTests.Scaling;

/// <summary>The Redis sign-in limiter: the in-memory limiter's window and permits, counted once for every instance (issue #18).</summary>
public sealed class RedisLoginRateLimiterTests : RedisScratch
{
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.7");

    [Fact]
    public async Task TryAcquireAsync_TenPerWindow_RefusesTheEleventh_OnEveryInstance_AndOnlyForThatPartition()
    {
        var a = await CreateSutAsync();
        var b = await CreateSutAsync();
        for (var i = 0; i < LoginRateLimiter.PermitsPerWindow; i++)
        {
            Assert.True(await (i % 2 == 0 ? a : b).TryAcquireAsync(Client, "alice", Ct), $"attempt {i + 1}");
        }

        Assert.False(await a.TryAcquireAsync(Client, "alice", Ct));
        Assert.False(await b.TryAcquireAsync(Client, "ALICE", Ct)); // names are compared case-insensitively, as in memory
        Assert.True(await b.TryAcquireAsync(Client, "bob", Ct));
        Assert.True(await b.TryAcquireAsync(IPAddress.Parse("203.0.113.8"), "alice", Ct));
    }

    [Fact]
    public async Task RecordFailureAsync_TenTimes_LimitsTheAdminPartition_ForTheRestOfTheWindow()
    {
        var a = await CreateSutAsync();
        var b = await CreateSutAsync();
        Assert.Null(await b.LimitedForAsync(Client, LoginRateLimiter.AdminName, Ct));
        for (var i = 0; i < LoginRateLimiter.PermitsPerWindow - 1; i++)
        {
            await a.RecordFailureAsync(Client, LoginRateLimiter.AdminName, Ct);
        }

        Assert.Null(await b.LimitedForAsync(Client, LoginRateLimiter.AdminName, Ct));
        await a.RecordFailureAsync(Client, LoginRateLimiter.AdminName, Ct);

        var retryAfter = await b.LimitedForAsync(Client, LoginRateLimiter.AdminName, Ct);
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(50), LoginRateLimiter.Window);
        var ttl = await Redis!.GetDatabase().KeyTimeToLiveAsync(Prefix + LoginRateLimiter.Key(Client, LoginRateLimiter.AdminName));
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(50), LoginRateLimiter.Window);
    }

    private async Task<RedisLoginRateLimiter> CreateSutAsync()
    {
        var redis = await ConnectAsync();
        return new RedisLoginRateLimiter(redis, Prefix);
    }
}
