using LlmRelay.Configuration;
using LlmRelay.Usage;
using Microsoft.Extensions.Options;

namespace LlmRelay.Core.Tests.Usage;

/// <summary>A call that holds its answer until its row is stored (<c>LlmRelay:Quota:HoldAnswerUntilLogged</c>, issue #18).</summary>
public sealed class UsageLogQueueWaitTests
{
    [Fact]
    public void EnqueueAndWaitAsync_CompletesOnlyWhenTheWriterStoredTheRow()
    {
        var queue = new UsageLogQueue(Options.Create(new LlmRelayOptions()));
        var row = UsageLogQueueTests.Row(1, 10, 4, 9);
        var other = UsageLogQueueTests.Row(1, 10, 5, 9);

        var stored = queue.EnqueueAndWaitAsync(row);
        queue.Enqueue(other);

        Assert.False(stored.IsCompleted);
        Assert.True(queue.HasWaiters); // The writer skips its batch window.
        Assert.True(queue.TryRead(out var first));
        Assert.Same(row, first);
        Assert.False(stored.IsCompleted); // Read, not yet committed.

        queue.Stored([other]);
        Assert.False(stored.IsCompleted);
        queue.Stored([first]);
        Assert.True(stored.IsCompletedSuccessfully);
        Assert.False(queue.HasWaiters);
    }

    [Fact]
    public void EnqueueAndWaitAsync_DroppedRow_CompletesAtOnce_AndKeepsItsSettlement()
    {
        var queue = new UsageLogQueue(Options.Create(new LlmRelayOptions { UsageLogQueueCapacity = 1, UsageLogQueueFullMode = UsageLogQueueFullMode.Drop }));
        queue.Enqueue(UsageLogQueueTests.Row(1, 10, 4, 9));

        var stored = queue.EnqueueAndWaitAsync(UsageLogQueueTests.Row(1, 10, 3, 5));

        Assert.True(stored.IsCompletedSuccessfully); // Nothing will store it: nobody may wait for it.
        Assert.False(queue.HasWaiters);
        Assert.Equal(new QuotaSettlement(1, 10, 3, 5, 1), Assert.Single(queue.TakePendingSettlements()));
    }
}
