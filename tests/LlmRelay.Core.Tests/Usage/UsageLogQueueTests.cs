using LlmRelay.Configuration;
using LlmRelay.Usage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Usage;

public sealed class UsageLogQueueTests
{
    [Fact]
    public async Task Enqueue_Full_DropsTheRow_ButKeepsItsSettlementPerTokenAndUser()
    {
        var queue = new UsageLogQueue(Options.Create(new LlmRelayOptions { UsageLogQueueCapacity = 1, UsageLogQueueFullMode = UsageLogQueueFullMode.Drop }));

        queue.Enqueue(Row(tokenId: 1, userId: 10, quota: 4, reserved: 9));
        for (var i = 0; i < 1000; i++)
        {
            queue.Enqueue(Row(tokenId: 1 + (i % 2), userId: 10 + (i % 2), quota: 3, reserved: 5));
        }

        queue.Enqueue(Row(tokenId: 1, userId: 10, quota: 0, reserved: 5, type: UsageLogType.Error)); // A refund.
        queue.Enqueue(Row(tokenId: 0, userId: 0, quota: 7, reserved: 0)); // The in-process identity: nothing to settle.

        Assert.Equal(1, queue.Count);
        Assert.Equal(1002, queue.Dropped);
        Assert.Equal(2, queue.PendingSettlements); // Bounded by tokens, not requests.
        Assert.True(await queue.WaitToReadAsync(TestContext.Current.CancellationToken));
        Assert.True(queue.TryRead(out var first));
        Assert.Equal(4, first.Quota);
        Assert.False(queue.TryRead(out _)); // The doorbell is never handed out.
        Assert.Equal(0, queue.Count);

        var settlements = queue.TakePendingSettlements().OrderBy(static s => s.TokenId).ToArray();
        Assert.Equal(
            [new QuotaSettlement(1, 10, 1500, 2505, 500), new QuotaSettlement(2, 11, 1500, 2500, 500)],
            settlements);
        Assert.Empty(queue.TakePendingSettlements());
        Assert.Equal(0, queue.PendingSettlements);
    }

    [Fact]
    public async Task Drop_AfterTheRowsWereRead_WakesTheReaderForTheSettlement()
    {
        var queue = new UsageLogQueue(Options.Create(new LlmRelayOptions { UsageLogQueueCapacity = 1, UsageLogQueueFullMode = UsageLogQueueFullMode.Drop }));
        queue.Enqueue(Row(1, 10, 2, 2));
        queue.Enqueue(Row(1, 10, 3, 8)); // Dropped: rings the doorbell.
        Assert.True(queue.TryRead(out _));
        Assert.False(queue.TryRead(out _));
        Assert.Single(queue.TakePendingSettlements());

        // The queue is empty and the doorbell was consumed: a new drop needs a full queue and rings again.
        queue.Enqueue(Row(1, 10, 2, 2));
        queue.Enqueue(Row(1, 10, 3, 8));
        Assert.True(queue.TryRead(out _));
        var wait = queue.WaitToReadAsync(TestContext.Current.CancellationToken);
        Assert.True(wait.IsCompleted && await wait);
        Assert.False(queue.TryRead(out _));
        Assert.Equal(new QuotaSettlement(1, 10, 3, 8, 1), Assert.Single(queue.TakePendingSettlements()));
    }

    [Fact]
    public void Enqueue_AfterComplete_KeepsTheSettlementForTheFinalFlush()
    {
        var queue = new UsageLogQueue(Options.Create(new LlmRelayOptions { UsageLogQueueCapacity = 10 }));
        queue.Complete();

        queue.Enqueue(Row(3, 30, 6, 10));

        Assert.Equal(0, queue.Count);
        Assert.Equal(1, queue.Dropped);
        Assert.Equal(new QuotaSettlement(3, 30, 6, 10, 1), Assert.Single(queue.TakePendingSettlements()));
    }

    [Fact]
    public void Enqueue_FullInWaitMode_KeepsEveryRow()
    {
        var queue = new UsageLogQueue(Options.Create(new LlmRelayOptions { UsageLogQueueCapacity = 1 }));

        // Calls admitted before the queue filled up still bring their rows: none is dropped.
        for (var i = 0; i < 3; i++)
        {
            queue.Enqueue(Row(1, 10, 2, 2));
        }

        Assert.Equal(3, queue.Count);
        Assert.Equal(0, queue.Dropped);
        Assert.Equal(0, queue.PendingSettlements);
    }

    [Fact]
    public async Task WaitForRoom_FullQueue_WaitsUntilTheWriterReadsARow()
    {
        var time = new FakeTimeProvider();
        var queue = new UsageLogQueue(Options.Create(new LlmRelayOptions { UsageLogQueueCapacity = 2 }));
        Assert.True((await queue.WaitForRoomAsync(time, TestContext.Current.CancellationToken)));
        queue.Enqueue(Row(1, 10, 2, 2));
        queue.Enqueue(Row(1, 10, 2, 2));

        var waiting = queue.WaitForRoomAsync(time, TestContext.Current.CancellationToken).AsTask();
        var second = queue.WaitForRoomAsync(time, TestContext.Current.CancellationToken).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(2, queue.Waiting);

        Assert.True(queue.TryRead(out _));
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(0, queue.Waiting);
    }

    [Fact]
    public async Task WaitForRoom_FullQueue_GivesUpAfterUsageLogQueueWait_OnTheTimeProvider()
    {
        var time = new FakeTimeProvider();
        var queue = new UsageLogQueue(Options.Create(new LlmRelayOptions { UsageLogQueueCapacity = 1, UsageLogQueueWait = TimeSpan.FromSeconds(5) }));
        queue.Enqueue(Row(1, 10, 2, 2));

        var waiting = queue.WaitForRoomAsync(time, TestContext.Current.CancellationToken).AsTask();
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task WaitForRoom_DropMode_NeverWaits_AndComplete_ReleasesWaiters()
    {
        var time = new FakeTimeProvider();
        var dropping = new UsageLogQueue(Options.Create(new LlmRelayOptions { UsageLogQueueCapacity = 1, UsageLogQueueFullMode = UsageLogQueueFullMode.Drop }));
        dropping.Enqueue(Row(1, 10, 2, 2));
        var at = dropping.WaitForRoomAsync(time, TestContext.Current.CancellationToken).AsTask();
        Assert.True(at.IsCompletedSuccessfully);
        Assert.True(await at);

        var queue = new UsageLogQueue(Options.Create(new LlmRelayOptions { UsageLogQueueCapacity = 1 }));
        queue.Enqueue(Row(1, 10, 2, 2));
        var waiting = queue.WaitForRoomAsync(time, TestContext.Current.CancellationToken).AsTask();
        Assert.False(waiting.IsCompleted);
        queue.Complete();
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    internal static UsageLog Row(long tokenId, long userId, long quota, long reserved, UsageLogType type = UsageLogType.Consume) => new()
    {
        TokenId = tokenId,
        UserId = userId,
        Quota = quota,
        ReservedQuota = reserved,
        Type = type,
        ModelName = "gpt-4o",
    };
}
