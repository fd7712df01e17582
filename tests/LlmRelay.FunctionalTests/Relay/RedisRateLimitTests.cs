using System.Net;
using LlmRelay.AspNetCore.RateLimiting;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.RateLimiting;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>The Redis rate-limit store: the same sliding window as in memory, shared by every gateway on one Redis (issue #18).</summary>
/// <remarks>Needs a Redis server: <c>export LLMRELAY_TEST_REDIS=127.0.0.1:6379</c>; skipped without one, except in CI.</remarks>
public sealed class RedisRateLimitTests : IAsyncDisposable
{
    private readonly string _prefix = $"llmrelay-test-{Guid.NewGuid():N}:";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private ConnectionMultiplexer? _redis;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TryAcquire_SixtyPerMinute_RefusesTheSixtyFirstWithRetryAfter_AndAdmitsItTheNextMinute()
    {
        var store = await CreateSutAsync();
        var rule = new RateLimitRule("t:1", 60, 0);
        for (var i = 0; i < 60; i++)
        {
            Assert.True((await AcquireAsync(store, rule)).Allowed, $"call {i + 1}");
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        var refused = await AcquireAsync(store, rule);

        Assert.False(refused.Allowed);
        Assert.Equal("t:1", refused.Key);
        Assert.Equal(TimeSpan.FromSeconds(54), refused.RetryAfter);
        _clock.Advance(refused.RetryAfter - TimeSpan.FromMilliseconds(1));
        Assert.False((await AcquireAsync(store, rule)).Allowed);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True((await AcquireAsync(store, rule)).Allowed);
    }

    [Fact]
    public async Task TryAcquire_RefusedByOneRule_CountsInNone_AndSettledTokensRefuseUntilTheyLeave()
    {
        var store = await CreateSutAsync();
        var token = new RateLimitRule("t:1", 10, 1000);
        var model = new RateLimitRule("m:gpt-4o:t:1", 1, 0);
        Assert.True((await AcquireAsync(store, token, model)).Allowed);
        for (var i = 0; i < 5; i++)
        {
            var refused = await AcquireAsync(store, token, model);
            Assert.False(refused.Allowed);
            Assert.Equal("m:gpt-4o:t:1", refused.Key);
        }

        store.RecordTokens(new[] { token, model }, 1500, _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(15));

        // Fire-and-forget: the next command on the same connection runs after it.
        var byTokens = await AcquireAsync(store, token);
        Assert.False(byTokens.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(45), byTokens.RetryAfter);
        _clock.Advance(byTokens.RetryAfter);
        for (var i = 0; i < 10; i++)
        {
            Assert.True((await AcquireAsync(store, token)).Allowed, $"call {i + 1} of the next minute");
        }

        Assert.False((await AcquireAsync(store, token)).Allowed);
    }

    [Fact]
    public async Task TwoGateways_OnOneRedis_HoldTheLimitTogether()
    {
        var redis = await ConnectAsync();
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        var database = Path.Combine(Path.GetTempPath(), $"llmrelay-test-{Guid.NewGuid():N}.db");
        var settings = Settings.Merge(
            FamilyUpstream.Channels(upstream.BaseUrl),
            new() { ["ConnectionStrings:LlmRelay"] = $"Data Source={database}", ["LlmRelay:RateLimits:Token:RequestsPerMinute"] = "4" });
        try
        {
            await using var first = RateLimitedGateway.Create(settings, _clock, _ => new RedisRateLimitStore(redis, _prefix));
            first.Start();
            await using var second = RateLimitedGateway.Create(settings, _clock, _ => new RedisRateLimitStore(redis, _prefix));
            second.Start();
            using var a = first.CreateGatewayClient(Settings.Key);
            using var b = second.CreateGatewayClient(Settings.Key);

            foreach (var client in (HttpClient[])[a, b, a, b])
            {
                Assert.Equal(HttpStatusCode.OK, await ChatAsync(client));
            }

            _clock.Advance(TimeSpan.FromSeconds(10));
            foreach (var client in (HttpClient[])[a, b])
            {
                using var refused = await client.SendAsync(CallerRequest.Build("openai", "openai-model", stream: false, Settings.Key), Ct);
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
                Assert.Equal("50", refused.Headers.GetValues("Retry-After").Single());
            }

            Assert.Equal(4, upstream.Requests.Count);
            _clock.Advance(TimeSpan.FromSeconds(50));
            Assert.Equal(HttpStatusCode.OK, await ChatAsync(b));
            Assert.Equal(HttpStatusCode.OK, await ChatAsync(a));
            Assert.Equal(6, upstream.Requests.Count);
        }
        finally
        {
            foreach (var suffix in (string[])["", "-wal", "-shm"])
            {
                File.Delete(database + suffix);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            foreach (var server in _redis.GetServers())
            {
                await foreach (var key in server.KeysAsync(pattern: _prefix + "*"))
                {
                    await _redis.GetDatabase().KeyDeleteAsync(key);
                }
            }

            await _redis.DisposeAsync();
        }
    }

    private static async Task<HttpStatusCode> ChatAsync(HttpClient client)
    {
        using var response = await client.SendAsync(CallerRequest.Build("openai", "openai-model", stream: false, Settings.Key), Ct);
        return response.StatusCode;
    }

    private ValueTask<RateLimitDecision> AcquireAsync(RedisRateLimitStore store, params RateLimitRule[] rules) =>
        store.TryAcquireAsync(rules, _clock.GetUtcNow(), Ct);

    private async Task<RedisRateLimitStore> CreateSutAsync() => new(await ConnectAsync(), _prefix);

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var configuration = Environment.GetEnvironmentVariable("LLMRELAY_TEST_REDIS");
        if (string.IsNullOrEmpty(configuration))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must provide LLMRELAY_TEST_REDIS.");
            Assert.Skip("Redis tests need LLMRELAY_TEST_REDIS (for example: redis-server --port 6379 --daemonize yes; export LLMRELAY_TEST_REDIS=127.0.0.1:6379).");
        }

        return _redis ??= await ConnectionMultiplexer.ConnectAsync(configuration + ",allowAdmin=true");
    }
}
