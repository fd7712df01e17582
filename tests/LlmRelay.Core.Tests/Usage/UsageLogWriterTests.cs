using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LlmRelay.Configuration;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Core.Tests.Usage;

/// <summary>The usage-log writer with a store that can be held or made to fail, observed through its metrics.</summary>
public sealed class UsageLogWriterTests : IAsyncDisposable
{
    private readonly HeldStore _store = new();
    private readonly ServiceProvider _services;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _last = new();
    private readonly ConcurrentDictionary<string, double> _sums = new();
    private readonly ConcurrentDictionary<string, int> _records = new();

    public UsageLogWriterTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton(TimeProvider.System);
        services.Configure<LlmRelayOptions>(static o =>
        {
            o.UsageLogQueueCapacity = 5;
            o.UsageLogQueueFullMode = UsageLogQueueFullMode.Drop; // These tests count dropped rows.
            o.UsageLogBatchSize = 100;
        });
        services.AddSingleton<UsageLogQueue>();
        services.AddSingleton<UsageLogMetrics>();
        services.AddSingleton<UsageLogWriter>();
        services.AddSingleton<IUsageLogStore>(_store);
        _services = services.BuildServiceProvider();

        // Only this container's meter: other tests create their own "LlmRelay" meters in parallel.
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == UsageLogMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((i, v, _, _) => Record(i.Name, v));
        _listener.SetMeasurementEventCallback<long>((i, v, _, _) => Record(i.Name, v));
        _listener.SetMeasurementEventCallback<double>((i, v, _, _) => Record(i.Name, v));
        _ = _services.GetRequiredService<UsageLogMetrics>();
        _listener.Start();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private UsageLogQueue Queue => _services.GetRequiredService<UsageLogQueue>();

    private UsageLogWriter Writer => _services.GetRequiredService<UsageLogWriter>();

    [Fact]
    public async Task Metrics_QueueDepthRisesWhileTheWriterIsHeld_DroppedAndWrittenRowsAreCounted()
    {
        await Writer.StartAsync(Ct);
        Queue.Enqueue(UsageLogQueueTests.Row(7, 9, 10, 25));
        await _store.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct); // The writer is now held inside the store.

        Assert.Equal(0, Observe("llmrelay.usage_log.queue_depth"));
        for (var i = 1; i <= 5; i++)
        {
            Queue.Enqueue(UsageLogQueueTests.Row(7, 9, 10, 25));
            Assert.Equal(i, Observe("llmrelay.usage_log.queue_depth"));
        }

        for (var i = 0; i < 3; i++)
        {
            Queue.Enqueue(UsageLogQueueTests.Row(7, 9, 10, 25)); // Never blocks: dropped, settlement kept.
        }

        Assert.Equal(5, Observe("llmrelay.usage_log.queue_depth"));
        Assert.Equal(3, Observe("llmrelay.usage_log.rows_dropped"));
        Assert.Equal(1, Observe("llmrelay.usage_log.pending_settlements"));

        _store.Release();
        await WaitUntilAsync(() => _sums.GetValueOrDefault("llmrelay.usage_log.rows_written") >= 6);

        Assert.Equal(0, Observe("llmrelay.usage_log.queue_depth"));
        Assert.Equal(0, Observe("llmrelay.usage_log.pending_settlements"));
        Assert.Equal(6, _sums["llmrelay.usage_log.rows_written"]);
        Assert.True(_records.GetValueOrDefault("llmrelay.usage_log.flush.duration") >= 2);
        Assert.Equal(6, _store.Rows.Count);
        Assert.Equal(new QuotaSettlement(7, 9, 30, 75, 3), Assert.Single(_store.Settlements));
        await Writer.StopAsync(Ct);
    }

    [Fact]
    public async Task StopAsync_FlushesQueuedRowsAndPendingSettlements_IncludingRowsFinishedAfterTheQueueClosed()
    {
        await Writer.StartAsync(Ct);
        Queue.Enqueue(UsageLogQueueTests.Row(1, 2, 10, 20));
        await _store.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        for (var i = 0; i < 12; i++)
        {
            Queue.Enqueue(UsageLogQueueTests.Row(1, 2, 10, 20)); // 5 queued, 7 dropped.
        }

        var stopping = Writer.StopAsync(Ct);
        Queue.Enqueue(UsageLogQueueTests.Row(1, 2, 1, 0)); // A call that finished while the host stopped.
        Assert.False(stopping.IsCompleted);
        _store.Release();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(6, _store.Rows.Count);
        var settled = _store.Settlements.Aggregate(static (a, b) => a.Add(b));
        Assert.Equal(new QuotaSettlement(1, 2, 71, 140, 8), settled);
        Assert.Equal(0, Queue.Count);
        Assert.Equal(0, Queue.PendingSettlements);
    }

    [Fact]
    public async Task FailedWrite_IsRetried_AndSettlesItsPendingQuotaExactlyOnce()
    {
        _store.FailuresLeft = 2;
        await Writer.StartAsync(Ct);
        Queue.Enqueue(UsageLogQueueTests.Row(1, 2, 10, 20));
        await _store.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        for (var i = 0; i < 8; i++)
        {
            Queue.Enqueue(UsageLogQueueTests.Row(1, 2, 10, 20)); // 5 queued, 3 dropped.
        }

        _store.Release();
        await WaitUntilAsync(() => _store.Rows.Count == 6);
        await Writer.StopAsync(Ct);

        Assert.Equal(2, _sums.GetValueOrDefault("llmrelay.usage_log.write_failures"));
        Assert.Equal(new QuotaSettlement(1, 2, 30, 60, 3), Assert.Single(_store.Settlements));
    }

    [Fact]
    public async Task RefusedRow_IsIsolatedByBisecting_OtherRowsStored_ItsQuotaSettled_LaterBatchesContinue()
    {
        await Writer.StartAsync(Ct);
        Queue.Enqueue(UsageLogQueueTests.Row(1, 2, 10, 20));
        await _store.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var rows = Enumerable.Range(0, 5).Select(static _ => UsageLogQueueTests.Row(1, 2, 10, 20)).ToArray();
        _store.Poison = rows[3];
        foreach (var row in rows)
        {
            Queue.Enqueue(row);
        }

        for (var i = 0; i < 3; i++)
        {
            Queue.Enqueue(UsageLogQueueTests.Row(1, 2, 10, 20)); // dropped: settled with the next batch
        }

        _store.Release();
        await WaitUntilAsync(() => _sums.GetValueOrDefault("llmrelay.usage_log.rows_rejected") >= 1 && Queue.Count == 0 && Queue.PendingSettlements == 0);
        await WaitUntilAsync(() => _store.Rows.Count == 5);

        // Nothing blocks later rows.
        Queue.Enqueue(UsageLogQueueTests.Row(1, 2, 1, 0));
        await WaitUntilAsync(() => _store.Rows.Count == 6);
        await Writer.StopAsync(Ct);

        Assert.DoesNotContain(rows[3], _store.Rows);
        Assert.Equal(1, _sums["llmrelay.usage_log.rows_rejected"]);
        Assert.Equal(0, _sums.GetValueOrDefault("llmrelay.usage_log.write_failures"));
        Assert.Equal(6, _sums["llmrelay.usage_log.rows_written"]);

        // The three dropped rows and the rejected one, each settled exactly once.
        Assert.Equal(new QuotaSettlement(1, 2, 40, 80, 4), _store.Settlements.Aggregate(static (a, b) => a.Add(b)));

        // 1 held + [5 rows + settlements] refused, rows alone refused, settlements alone, then bisecting 5 rows: [0,1] ok,
        // [2,3,4] refused, [2] ok, [3,4] refused, [3] refused, its settlement, [4] ok; then the later row.
        Assert.Equal(12, _store.Appends);
    }

    public async ValueTask DisposeAsync()
    {
        _store.Release();
        _listener.Dispose();
        await _services.DisposeAsync();
    }

    private void Record(string name, double value)
    {
        _last[name] = value;
        _sums.AddOrUpdate(name, value, (_, sum) => sum + value);
        _records.AddOrUpdate(name, 1, static (_, n) => n + 1);
    }

    private double Observe(string name)
    {
        _listener.RecordObservableInstruments();
        return _last[name];
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out.");
            await Task.Delay(20, Ct);
        }
    }

    /// <summary>Records what it is asked to store; holds the first call until released, and can fail on request.</summary>
    private sealed class HeldStore : IUsageLogStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<UsageLog> Rows { get; } = new();

        public ConcurrentQueue<QuotaSettlement> Settlements { get; } = new();

        public int FailuresLeft { get; set; }

        /// <summary>Gets or sets a row the "database" refuses: every batch that holds it fails as a data error.</summary>
        public UsageLog? Poison { get; set; }

        public int Appends { get; private set; }

        public void Release() => _gate.TrySetResult();

        public async Task AppendAsync(IReadOnlyList<UsageLog> logs, IReadOnlyCollection<QuotaSettlement> settlements, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await _gate.Task;
            Appends++;
            if (Poison is not null && logs.Contains(Poison))
            {
                throw new UsageLogRejectedException("Test: value refused.");
            }

            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new InvalidOperationException("The database is down.");
            }

            foreach (var log in logs)
            {
                Rows.Enqueue(log);
            }

            foreach (var settlement in settlements)
            {
                Settlements.Enqueue(settlement);
            }
        }

        public Task<UsageLogPage> QueryAsync(UsageLogQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
