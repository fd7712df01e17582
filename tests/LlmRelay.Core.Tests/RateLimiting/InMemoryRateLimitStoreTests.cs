using LlmRelay.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.RateLimiting;

public sealed class InMemoryRateLimitStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    private static InMemoryRateLimitStore CreateSut() => new();

    private ValueTask<RateLimitDecision> AcquireAsync(InMemoryRateLimitStore store, params RateLimitRule[] rules) =>
        store.TryAcquireAsync(rules, _time.GetUtcNow(), TestContext.Current.CancellationToken);

    [Fact]
    public async Task TryAcquire_SixtyPerMinute_RefusesTheSixtyFirstWithRetryAfter_AndAdmitsItTheNextMinute()
    {
        var store = CreateSut();
        var rule = new RateLimitRule("t:1", 60, 0);
        for (var i = 0; i < 60; i++)
        {
            Assert.True((await AcquireAsync(store, rule)).Allowed, $"call {i + 1}");
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var refused = await AcquireAsync(store, rule);

        Assert.False(refused.Allowed);
        Assert.Equal("t:1", refused.Key);

        // The 60 calls started in seconds 0 to 5 after Start; the first second's 10 leave the window at Start + 60 s.
        Assert.Equal(TimeSpan.FromSeconds(60) - TimeSpan.FromMilliseconds(6000), refused.RetryAfter);
        _time.Advance(refused.RetryAfter - TimeSpan.FromMilliseconds(1));
        Assert.False((await AcquireAsync(store, rule)).Allowed);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True((await AcquireAsync(store, rule)).Allowed);
    }

    [Fact]
    public async Task TryAcquire_AfterAQuietMinute_AdmitsAFullWindowAgain()
    {
        var store = CreateSut();
        var rule = new RateLimitRule("t:1", 60, 0);
        for (var i = 0; i < 60; i++)
        {
            await AcquireAsync(store, rule);
        }

        Assert.False((await AcquireAsync(store, rule)).Allowed);
        Assert.Equal(TimeSpan.FromSeconds(60), (await AcquireAsync(store, rule)).RetryAfter);

        _time.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 60; i++)
        {
            Assert.True((await AcquireAsync(store, rule)).Allowed, $"call {i + 1} of the next minute");
        }

        Assert.False((await AcquireAsync(store, rule)).Allowed);
    }

    [Fact]
    public async Task TryAcquire_RefusedByOneRule_CountsInNone()
    {
        var store = CreateSut();
        var token = new RateLimitRule("t:1", 10, 0);
        var model = new RateLimitRule("m:gpt-4o:t:1", 1, 0);
        Assert.True((await AcquireAsync(store, token, model)).Allowed);

        for (var i = 0; i < 20; i++)
        {
            var refused = await AcquireAsync(store, token, model);
            Assert.False(refused.Allowed);
            Assert.Equal("m:gpt-4o:t:1", refused.Key);
        }

        // The token's own counter saw only the one admitted call: 9 more fit.
        for (var i = 0; i < 9; i++)
        {
            Assert.True((await AcquireAsync(store, token)).Allowed, $"call {i + 2}");
        }

        Assert.False((await AcquireAsync(store, token)).Allowed);
    }

    [Fact]
    public async Task TokensPerMinute_CountsSettledTokens_RefusesOnceReached_AndForgetsThemAfterAMinute()
    {
        var store = CreateSut();
        var rule = new RateLimitRule("t:1", 0, 1000);
        Assert.True((await AcquireAsync(store, rule)).Allowed);
        store.RecordTokens(new[] { rule }, 600, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True((await AcquireAsync(store, rule)).Allowed);
        store.RecordTokens(new[] { rule }, 600, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(1));

        var refused = await AcquireAsync(store, rule);

        Assert.False(refused.Allowed);

        // 1200 tokens: once the first 600 (at Start) leave the window, 600 < 1000 admits again.
        Assert.Equal(TimeSpan.FromSeconds(49), refused.RetryAfter);
        _time.Advance(refused.RetryAfter);
        Assert.True((await AcquireAsync(store, rule)).Allowed);
    }

    [Fact]
    public async Task RecordTokens_IgnoresRulesWithoutATokenLimit()
    {
        var store = CreateSut();
        var requestsOnly = new RateLimitRule("t:1", 5, 0);
        store.RecordTokens(new[] { requestsOnly }, 1_000_000, _time.GetUtcNow());

        Assert.Equal(0, store.Count);
        Assert.True((await AcquireAsync(store, requestsOnly)).Allowed);
    }

    [Fact]
    public async Task TryAcquire_ConcurrentCalls_AdmitExactlyTheLimit()
    {
        var store = CreateSut();
        var rules = new[] { new RateLimitRule("t:1", 100, 0), new RateLimitRule("u:1", 150, 0) };
        var now = _time.GetUtcNow();

        var decisions = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(async () => await store.TryAcquireAsync(rules, now, TestContext.Current.CancellationToken))));

        Assert.Equal(100, decisions.Count(static d => d.Allowed));
    }
}
