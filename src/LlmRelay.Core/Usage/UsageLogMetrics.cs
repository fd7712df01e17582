using System.Diagnostics.Metrics;

namespace LlmRelay.Usage;

/// <summary>The usage-log instruments of the <c>LlmRelay</c> meter (see docs/observability.md).</summary>
/// <remarks>
/// The queue's depth, dropped rows and pending settlements are observed from <see cref="UsageLogQueue"/> when a listener
/// collects, so enqueueing costs nothing extra; rows written and flush durations are recorded once per batch. Thread-safe.
/// </remarks>
internal sealed class UsageLogMetrics
{
    /// <summary>The name of LlmRelay's meter.</summary>
    public const string MeterName = "LlmRelay";

    private readonly Counter<long> _written;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _flushDuration;

    public UsageLogMetrics(IMeterFactory meterFactory, UsageLogQueue queue)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableUpDownCounter("llmrelay.usage_log.queue_depth", () => queue.Count, "{row}", "Usage-log rows waiting in memory to be written.");
        meter.CreateObservableCounter("llmrelay.usage_log.rows_dropped", () => queue.Dropped, "{row}", "Usage-log rows dropped because the queue was full; their quota is still settled.");
        meter.CreateObservableUpDownCounter("llmrelay.usage_log.waiting_calls", () => queue.Waiting, "{call}", "Calls held back before they start because the usage-log queue is full (UsageLogQueueFullMode Wait).");
        meter.CreateObservableUpDownCounter("llmrelay.usage_log.pending_settlements", () => queue.PendingSettlements, "{token}", "Tokens whose dropped rows' quota settlement waits for the next batch.");
        _written = meter.CreateCounter<long>("llmrelay.usage_log.rows_written", "{row}", "Usage-log rows stored.");
        _failures = meter.CreateCounter<long>("llmrelay.usage_log.write_failures", "{batch}", "Usage-log batches whose write failed (each is retried).");
        _rejected = meter.CreateCounter<long>("llmrelay.usage_log.rows_rejected", "{row}", "Usage-log rows the database refused (a data error, not an outage); not stored, their quota is still settled.");
        _flushDuration = meter.CreateHistogram(
            "llmrelay.usage_log.flush.duration",
            "s",
            "Time to store one usage-log batch and its quota settlement.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    /// <summary>Records a stored batch.</summary>
    public void Flushed(int rows, TimeSpan elapsed)
    {
        _written.Add(rows);
        _flushDuration.Record(elapsed.TotalSeconds);
    }

    /// <summary>Records a failed write attempt.</summary>
    public void Failed() => _failures.Add(1);

    /// <summary>Records a row the database refused.</summary>
    public void Rejected() => _rejected.Add(1);
}
