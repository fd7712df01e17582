using LlmRelay.AspNetCore.Concurrency;
using LlmRelay.Concurrency;
using LlmRelay.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>The Redis concurrency slot store: sorted sets of holders scored by lease expiry, one Lua script per acquisition (issue #18).</summary>
/// <remarks>Needs a Redis server: <c>export LLMRELAY_TEST_REDIS=127.0.0.1:6379</c>; skipped without one, except in CI.</remarks>
public sealed class RedisConcurrencySlotStoreTests : IAsyncDisposable
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly ConcurrencySlotScope[] KeyOfTwo = [new("k:channel:1:0", 2)];
    private readonly string _prefix = $"{{llmrelay-test-{Guid.NewGuid():N}}}:";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private ConnectionMultiplexer? _redis;
    private ConnectionMultiplexer? _other;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TryAcquire_LimitOfTwo_QueuesTheThird_UntilASlotIsReleased()
    {
        var store = await CreateSutAsync();

        Assert.Equal(ConcurrencySlotOutcome.Acquired, await AcquireAsync(store, "a"));
        Assert.Equal(ConcurrencySlotOutcome.Acquired, await AcquireAsync(store, "b"));
        Assert.Equal(ConcurrencySlotOutcome.Queued, await AcquireAsync(store, "c"));
        Assert.Equal(ConcurrencySlotOutcome.Queued, await AcquireAsync(store, "c", waiting: true));
        store.Release(KeyOfTwo, "a");

        Assert.Equal(ConcurrencySlotOutcome.Acquired, await AcquireAsync(store, "c", waiting: true));
        Assert.Equal(["b", "c"], await MembersAsync("k:channel:1:0"));
        Assert.Empty(await MembersAsync("queue"));
    }

    [Fact]
    public async Task TryAcquire_KeyAndGlobalScopes_TakesBothOrNeither()
    {
        var store = await CreateSutAsync();
        ConcurrencySlotScope[] first = [new("k:one", 1), new("g", 2)];
        ConcurrencySlotScope[] second = [new("k:two", 5), new("g", 2)];

        Assert.Equal(ConcurrencySlotOutcome.Acquired, await AcquireAsync(store, "a", scopes: first));
        Assert.Equal(ConcurrencySlotOutcome.Queued, await AcquireAsync(store, "b", scopes: first));
        Assert.Equal(ConcurrencySlotOutcome.Acquired, await AcquireAsync(store, "c", scopes: second));
        Assert.Equal(ConcurrencySlotOutcome.Queued, await AcquireAsync(store, "d", scopes: second));

        Assert.Equal(["a"], await MembersAsync("k:one"));
        Assert.Equal(["c"], await MembersAsync("k:two"));
        Assert.Equal(["a", "c"], await MembersAsync("g"));
    }

    [Fact]
    public async Task TryAcquire_QueueLimitReached_RefusesWithoutCounting_UntilAWaiterAbandons()
    {
        var store = await CreateSutAsync();
        await AcquireAsync(store, "a");
        await AcquireAsync(store, "b");

        Assert.Equal(ConcurrencySlotOutcome.Queued, await AcquireAsync(store, "c", queueLimit: 1));
        Assert.Equal(ConcurrencySlotOutcome.QueueFull, await AcquireAsync(store, "d", queueLimit: 1));
        Assert.Equal(["c"], await MembersAsync("queue"));
        store.Abandon(KeyOfTwo, "c");

        Assert.Equal(ConcurrencySlotOutcome.Queued, await AcquireAsync(store, "d", queueLimit: 1));
        Assert.Equal(["a", "b"], await MembersAsync("k:channel:1:0"));
    }

    [Fact]
    public async Task TryAcquire_OwnerVanished_ItsSlotFreesAfterTheLease_WhileARenewedSlotStays()
    {
        var store = await CreateSutAsync();
        await AcquireAsync(store, "vanished");
        await AcquireAsync(store, "alive");
        _clock.Advance(Lease / 2);
        store.Renew(KeyOfTwo, "alive", _clock.GetUtcNow());

        _clock.Advance((Lease / 2) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(ConcurrencySlotOutcome.Queued, await AcquireAsync(store, "next"));
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(ConcurrencySlotOutcome.Acquired, await AcquireAsync(store, "next", waiting: true));
        Assert.Equal(["alive", "next"], await MembersAsync("k:channel:1:0"));
    }

    [Fact]
    public async Task Release_WakesTheWaitersOfAnotherInstance()
    {
        var store = await CreateSutAsync();
        var other = new RedisConcurrencySlotStore(await ConnectAsync(fresh: true), _prefix, Lease);
        await AcquireAsync(store, "a");
        var woken = other.WaitForReleaseAsync();

        store.Release(KeyOfTwo, "a");

        await woken.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task RelayConcurrency_LeaseHeldLongerThanTheLease_IsRenewed_AndReleasedOnDispose()
    {
        var store = await CreateSutAsync();
        using var concurrency = new RelayConcurrency(
            Options.Create(new LlmRelayOptions { Concurrency = new ConcurrencyOptions { MaxInFlightPerKey = 1, QueueLimit = 0 } }),
            _clock,
            store);
        var held = await concurrency.AcquireAsync("channel:1:0", Ct);
        Assert.True(held.IsAcquired);

        for (var i = 0; i < 6; i++)
        {
            // Each step fires the renewal timer (every lease / 3), whose script runs before the next command on the connection.
            _clock.Advance(Lease / 3);
            Assert.Equal(ConcurrencySlotOutcome.QueueFull, await AcquireAsync(store, "other", queueLimit: 0, scopes: [new("k:channel:1:0", 1)]));
        }

        var refused = await concurrency.AcquireAsync("channel:1:0", Ct);
        Assert.Equal(ConcurrencyRejection.QueueFull, refused.Rejection);
        held.Dispose();

        var next = await concurrency.AcquireAsync("channel:1:0", Ct);
        Assert.True(next.IsAcquired);
        next.Dispose();
        Assert.Empty(await MembersAsync("k:channel:1:0"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_other is not null)
        {
            await _other.DisposeAsync();
        }

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

    private ValueTask<ConcurrencySlotOutcome> AcquireAsync(RedisConcurrencySlotStore store, string holder, bool waiting = false, int queueLimit = 100, ConcurrencySlotScope[]? scopes = null) =>
        store.TryAcquireAsync(scopes ?? KeyOfTwo, holder, _clock.GetUtcNow(), queueLimit, _clock.GetUtcNow() + TimeSpan.FromSeconds(30), waiting, Ct);

    private async Task<string[]> MembersAsync(string name) =>
        [.. (await _redis!.GetDatabase().SortedSetRangeByRankAsync(_prefix + name)).Select(static v => v.ToString()).Order(StringComparer.Ordinal)];

    private async Task<RedisConcurrencySlotStore> CreateSutAsync() => new(await ConnectAsync(), _prefix, Lease);

    private async Task<ConnectionMultiplexer> ConnectAsync(bool fresh = false)
    {
        var configuration = Environment.GetEnvironmentVariable("LLMRELAY_TEST_REDIS");
        if (string.IsNullOrEmpty(configuration))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must provide LLMRELAY_TEST_REDIS.");
            Assert.Skip("Redis tests need LLMRELAY_TEST_REDIS (for example: redis-server --port 6379 --daemonize yes; export LLMRELAY_TEST_REDIS=127.0.0.1:6379).");
        }

        if (fresh)
        {
            return _other = await ConnectionMultiplexer.ConnectAsync(configuration);
        }

        return _redis ??= await ConnectionMultiplexer.ConnectAsync(configuration + ",allowAdmin=true");
    }
}
