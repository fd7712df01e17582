using LlmRelay.Concurrency;
using LlmRelay.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Concurrency;

public sealed class RelayConcurrencyTests
{
    private readonly FakeTimeProvider _time = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RelayConcurrency CreateSut(int maxInFlight = 0, int maxInFlightPerKey = 0, int queueLimit = 1000, TimeSpan? maxQueueWait = null)
    {
        var options = new LlmRelayOptions
        {
            Concurrency = new ConcurrencyOptions
            {
                MaxInFlight = maxInFlight,
                MaxInFlightPerKey = maxInFlightPerKey,
                QueueLimit = queueLimit,
                MaxQueueWait = maxQueueWait ?? TimeSpan.FromSeconds(30),
            },
        };
        return new RelayConcurrency(Options.Create(options), _time);
    }

    [Fact]
    public async Task AcquireAsync_Unlimited_AcquiresAtOnceAndCounts()
    {
        using var sut = CreateSut();

        var a = await sut.AcquireAsync("channel:1:0", Ct);
        var b = await sut.AcquireAsync("channel:1:0", Ct);
        var c = await sut.AcquireAsync("channel:2:0", Ct);

        Assert.True(a.IsAcquired && b.IsAcquired && c.IsAcquired);
        Assert.Equal(ConcurrencyRejection.None, a.Rejection);
        Assert.Equal(TimeSpan.Zero, a.RetryAfter);
        var status = sut.Status();
        Assert.Equal(3, status.InFlight);
        Assert.Equal(0, status.Queued);
        Assert.Equal(new Dictionary<string, int> { ["channel:1:0"] = 2, ["channel:2:0"] = 1 }, status.InFlightByKey);
        a.Dispose();
        b.Dispose();
        c.Dispose();
    }

    [Fact]
    public async Task Dispose_Lease_ReleasesBothSlots_AndTwiceIsHarmless()
    {
        using var sut = CreateSut(maxInFlight: 1, maxInFlightPerKey: 1);
        var first = await sut.AcquireAsync("k", Ct);

        first.Dispose();
        first.Dispose();

        var second = await sut.AcquireAsync("k", Ct);
        Assert.True(second.IsAcquired);
        Assert.Equal(1, sut.Status().InFlight);
        second.Dispose();
        var status = sut.Status();
        Assert.Equal(0, status.InFlight);
        Assert.Empty(status.InFlightByKey);
    }

    [Fact]
    public async Task AcquireAsync_PerKeyLimitReached_WaitsUntilALeaseIsReleased()
    {
        using var sut = CreateSut(maxInFlightPerKey: 2);
        var a = await sut.AcquireAsync("k", Ct);
        var b = await sut.AcquireAsync("k", Ct);

        var waiting = sut.AcquireAsync("k", Ct).AsTask();
        var otherKey = await sut.AcquireAsync("other", Ct);

        Assert.False(waiting.IsCompleted);
        Assert.True(otherKey.IsAcquired);
        Assert.Equal(1, sut.Status().Queued);
        a.Dispose();
        var c = await waiting;
        Assert.True(c.IsAcquired);
        Assert.Equal(0, sut.Status().Queued);
        Assert.Equal(2, sut.Status().InFlightByKey["k"]);
        b.Dispose();
        c.Dispose();
        otherKey.Dispose();
    }

    [Fact]
    public async Task AcquireAsync_KeyWaiting_DoesNotHoldAGlobalSlot()
    {
        using var sut = CreateSut(maxInFlight: 2, maxInFlightPerKey: 1);
        using var busy = await sut.AcquireAsync("busy", Ct);

        var waiting = sut.AcquireAsync("busy", Ct).AsTask();
        var other = await sut.AcquireAsync("other", Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Ct);

        Assert.True(other.IsAcquired);
        Assert.False(waiting.IsCompleted);
        other.Dispose();
        busy.Dispose();
        (await waiting).Dispose();
    }

    [Fact]
    public async Task AcquireAsync_GlobalLimitReached_ServesWaitersInArrivalOrder()
    {
        using var sut = CreateSut(maxInFlight: 1);
        var holder = await sut.AcquireAsync("a", Ct);
        var order = new List<string>();
        var waiters = new[] { "b", "c", "d" }.Select(key => Take(key)).ToArray();

        async Task Take(string key)
        {
            var lease = await sut.AcquireAsync(key, Ct);
            lock (order)
            {
                order.Add(key);
            }

            lease.Dispose();
        }

        Assert.Equal(3, sut.Status().Queued);
        holder.Dispose();
        await Task.WhenAll(waiters);

        Assert.Equal(["b", "c", "d"], order);
    }

    [Fact]
    public async Task AcquireAsync_ParallelLoad_PerKeyAndGlobalLimitsHold()
    {
        const int MaxInFlight = 4;
        const int MaxPerKey = 2;
        using var sut = CreateSut(maxInFlight: MaxInFlight, maxInFlightPerKey: MaxPerKey);
        var keys = new[] { "channel:1:0", "channel:1:1", "channel:2:0" };
        var total = 0;
        var maxTotal = 0;
        var perKey = new int[keys.Length];
        var maxPerKey = new int[keys.Length];

        var workers = Enumerable.Range(0, 300).Select(i => Task.Run(
            async () =>
            {
                var k = i % keys.Length;
                using var lease = await sut.AcquireAsync(keys[k], Ct);
                Assert.True(lease.IsAcquired);
                Max(ref maxTotal, Interlocked.Increment(ref total));
                Max(ref maxPerKey[k], Interlocked.Increment(ref perKey[k]));
                Assert.True(sut.Status().InFlight <= MaxInFlight);
                await Task.Yield();
                await Task.Delay(1, Ct);
                Interlocked.Decrement(ref perKey[k]);
                Interlocked.Decrement(ref total);
            },
            Ct));
        await Task.WhenAll(workers);

        Assert.InRange(maxTotal, 1, MaxInFlight);
        Assert.All(maxPerKey, static max => Assert.InRange(max, 1, MaxPerKey));
        var status = sut.Status();
        Assert.Equal(0, status.InFlight);
        Assert.Equal(0, status.Queued);
        Assert.Empty(status.InFlightByKey);

        static void Max(ref int max, int value)
        {
            int current;
            while (value > (current = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, value, current) != current)
            {
            }
        }
    }

    [Fact]
    public async Task AcquireAsync_QueueFull_ReturnsFailedLeaseWithRetryAfterAtOnce()
    {
        using var sut = CreateSut(maxInFlight: 1, queueLimit: 2);
        using var holder = await sut.AcquireAsync("k", Ct);
        var queued = new[] { sut.AcquireAsync("k", Ct).AsTask(), sut.AcquireAsync("j", Ct).AsTask() };

        var refused = sut.AcquireAsync("k", Ct);

        Assert.True(refused.IsCompletedSuccessfully);
        var lease = await refused;
        Assert.False(lease.IsAcquired);
        Assert.Equal(ConcurrencyRejection.QueueFull, lease.Rejection);
        Assert.True(lease.RetryAfter >= TimeSpan.FromSeconds(1));
        lease.Dispose();
        Assert.Equal(1, sut.Status().InFlight);
        Assert.Equal(2, sut.Status().Queued);
        holder.Dispose();
        foreach (var task in queued)
        {
            (await task).Dispose();
        }
    }

    [Fact]
    public async Task AcquireAsync_QueueLimitZero_RefusesInsteadOfWaiting()
    {
        using var sut = CreateSut(maxInFlightPerKey: 1, queueLimit: 0);
        using var holder = await sut.AcquireAsync("k", Ct);

        var lease = await sut.AcquireAsync("k", Ct);

        Assert.Equal(ConcurrencyRejection.QueueFull, lease.Rejection);
    }

    [Fact]
    public async Task AcquireAsync_WaitExceedsMaxQueueWait_ReturnsFailedLeaseAndFreesQueueSlot()
    {
        using var sut = CreateSut(maxInFlight: 1, maxQueueWait: TimeSpan.FromSeconds(5));
        using var holder = await sut.AcquireAsync("k", Ct);
        var waiting = sut.AcquireAsync("k", Ct).AsTask();

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        var lease = await waiting.WaitAsync(TimeSpan.FromSeconds(5), Ct);

        Assert.False(lease.IsAcquired);
        Assert.Equal(ConcurrencyRejection.QueueTimeout, lease.Rejection);
        Assert.InRange(lease.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.Equal(0, sut.Status().Queued);
        Assert.Equal(1, sut.Status().InFlight);
    }

    [Fact]
    public async Task AcquireAsync_CanceledWhileQueued_ThrowsAndFreesQueueSlot()
    {
        using var sut = CreateSut(maxInFlightPerKey: 1, queueLimit: 1);
        var holder = await sut.AcquireAsync("k", Ct);
        using var cts = new CancellationTokenSource();
        var waiting = sut.AcquireAsync("k", cts.Token).AsTask();
        Assert.Equal(1, sut.Status().Queued);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, sut.Status().Queued);

        // The freed slot lets the next request wait instead of being refused, and it gets the key when released.
        var next = sut.AcquireAsync("k", Ct).AsTask();
        Assert.False(next.IsCompleted);
        Assert.Equal(1, sut.Status().Queued);
        holder.Dispose();
        var lease = await next;
        Assert.True(lease.IsAcquired);
        lease.Dispose();
        Assert.Equal(0, sut.Status().InFlight);
    }

    [Fact]
    public async Task AcquireAsync_CanceledWhileWaitingForGlobalSlot_ReleasesItsKeySlot()
    {
        using var sut = CreateSut(maxInFlight: 1, maxInFlightPerKey: 1);
        var holder = await sut.AcquireAsync("a", Ct);
        using var cts = new CancellationTokenSource();
        var waiting = sut.AcquireAsync("b", cts.Token).AsTask(); // holds b's key slot, waits for the global one

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        holder.Dispose();

        using var lease = await sut.AcquireAsync("b", Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.True(lease.IsAcquired);
    }

    [Fact]
    public async Task AcquireAsync_AlreadyCanceled_Throws()
    {
        using var sut = CreateSut();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await sut.AcquireAsync("k", new CancellationToken(canceled: true)));
        Assert.Equal(0, sut.Status().InFlight);
    }

    [Fact]
    public async Task AcquireAsync_RetryAfter_GrowsWithHoldTimeAndQueue()
    {
        using var sut = CreateSut(maxInFlight: 1, queueLimit: 1);
        var held = await sut.AcquireAsync("k", Ct);
        _time.Advance(TimeSpan.FromSeconds(10));
        held.Dispose(); // average hold: 10 s

        using var holder = await sut.AcquireAsync("k", Ct);
        var queued = sut.AcquireAsync("k", Ct).AsTask();
        var refused = await sut.AcquireAsync("k", Ct);

        // One ahead in the queue plus this request, one slot, 10 s each.
        Assert.Equal(TimeSpan.FromSeconds(20), refused.RetryAfter);
        holder.Dispose();
        (await queued).Dispose();
    }

    [Fact]
    public void Status_ReportsConfiguredLimits()
    {
        using var sut = CreateSut(maxInFlight: 8, maxInFlightPerKey: 2, queueLimit: 50, maxQueueWait: TimeSpan.FromSeconds(7));

        var status = sut.Status();

        Assert.Equal(new RelayQueueStatus(0, 0, 8, 2, 50, TimeSpan.FromSeconds(7), status.InFlightByKey), status);
        Assert.Empty(status.InFlightByKey);
    }
}
