using LlmRelay.Concurrency;
using LlmRelay.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Concurrency;

/// <summary><see cref="RelayConcurrency"/> with an <see cref="IConcurrencySlotStore"/>: slots counted by the store, waiting on its releases (issue #18).</summary>
public sealed class RelayConcurrencySharedTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly CountingSlotStore _store = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RelayConcurrency CreateSut(int maxInFlight = 0, int maxInFlightPerKey = 0, int queueLimit = 1000) => new(
        Options.Create(new LlmRelayOptions
        {
            Concurrency = new ConcurrencyOptions { MaxInFlight = maxInFlight, MaxInFlightPerKey = maxInFlightPerKey, QueueLimit = queueLimit, MaxQueueWait = TimeSpan.FromSeconds(10) },
        }),
        _time,
        _store);

    [Fact]
    public async Task AcquireAsync_KeyAndGlobalLimits_TakesBothScopesInTheStore_AndReleasesThemOnDispose()
    {
        using var sut = CreateSut(maxInFlight: 5, maxInFlightPerKey: 1);

        var lease = await sut.AcquireAsync("channel:1:0", Ct);

        Assert.True(lease.IsAcquired);
        Assert.Equal(1, _store.Held("k:channel:1:0"));
        Assert.Equal(1, _store.Held("g"));
        Assert.Equal(1, sut.Status().InFlight);
        lease.Dispose();
        Assert.Equal(0, _store.Held("k:channel:1:0"));
        Assert.Equal(0, _store.Held("g"));
        Assert.Equal(0, sut.Status().InFlight);
    }

    [Fact]
    public async Task AcquireAsync_NoLimits_NeverAsksTheStore()
    {
        using var sut = CreateSut();

        var lease = await sut.AcquireAsync("channel:1:0", Ct);

        Assert.True(lease.IsAcquired);
        Assert.Equal(0, _store.Calls);
        lease.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_ScopeFull_WaitsInTheQueue_UntilASlotIsReleased()
    {
        using var sut = CreateSut(maxInFlightPerKey: 1);
        var first = await sut.AcquireAsync("k", Ct);

        var waiting = sut.AcquireAsync("k", Ct).AsTask();
        await WaitUntilAsync(() => sut.Status().Queued == 1);
        Assert.False(waiting.IsCompleted);
        first.Dispose();
        var second = await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.True(second.IsAcquired);
        Assert.Equal(0, sut.Status().Queued);
        Assert.Equal(0, _store.Queued);
        second.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_NeverFreed_TimesOutAfterMaxQueueWait_AndLeavesTheStoreQueue()
    {
        using var sut = CreateSut(maxInFlightPerKey: 1);
        var first = await sut.AcquireAsync("k", Ct);
        var waiting = sut.AcquireAsync("k", Ct).AsTask();
        await WaitUntilAsync(() => _store.Queued == 1);

        _time.Advance(TimeSpan.FromSeconds(10));
        var refused = await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(ConcurrencyRejection.QueueTimeout, refused.Rejection);
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1));
        Assert.Equal(0, _store.Queued);
        Assert.Equal(0, sut.Status().Queued);
        first.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_StoreQueueFull_IsRefusedAtOnce()
    {
        using var sut = CreateSut(maxInFlightPerKey: 1, queueLimit: 0);
        var first = await sut.AcquireAsync("k", Ct);

        var refused = await sut.AcquireAsync("k", Ct);

        Assert.Equal(ConcurrencyRejection.QueueFull, refused.Rejection);
        first.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_StoreFails_AdmitsTheCall()
    {
        using var sut = CreateSut(maxInFlightPerKey: 1);
        _store.Fail = true;

        var lease = await sut.AcquireAsync("k", Ct);

        Assert.True(lease.IsAcquired);
        Assert.Equal(1, sut.Status().InFlight);
        lease.Dispose();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, Ct);
        }

        Assert.True(condition());
    }
}
