using LlmRelay.Configuration;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Usage;

/// <summary>Writes queued usage-log rows to <see cref="IUsageLogStore"/> in batches, off the request path.</summary>
/// <remarks>
/// Each batch carries the quota settlements of rows the queue had to drop (<see cref="UsageLogQueue.TakePendingSettlements"/>),
/// so every row's quota is applied exactly once whether or not the row itself is stored. A batch that fails to write is
/// retried with back-off until it succeeds or the host stops; on a graceful stop the queue is drained, then the last
/// pending settlements are stored, before the writer returns.
/// </remarks>
internal sealed partial class UsageLogWriter(
    UsageLogQueue queue,
    UsageLogMetrics metrics,
    IServiceScopeFactory scopeFactory,
    IOptions<LlmRelayOptions> options,
    TimeProvider time,
    ILogger<UsageLogWriter> logger) : BackgroundService
{
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(50);
    private long _written;

    /// <summary>Gets how many rows have been stored.</summary>
    public long Written => Interlocked.Read(ref _written);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Let ExecuteAsync drain what is queued; it ends once the queue is completed and empty.
        queue.Complete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batchSize = Math.Max(1, options.Value.UsageLogBatchSize);
        var batch = new List<UsageLog>(batchSize);
        var dropped = 0L;

        // The stopping token is not passed to WaitToReadAsync: the loop ends when StopAsync completes the queue.
        while (await queue.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // Under light traffic, wait a moment for more rows: one transaction per request costs far more than
            // the request itself (measured with the load harness), and a short delay costs callers nothing.
            var waiting = queue.Count;
            if (waiting > 0 && waiting < batchSize && !stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(BatchWindow, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: write what is queued now.
                }
            }

            while (batch.Count < batchSize && queue.TryRead(out var log))
            {
                batch.Add(log);
            }

            // Taken after the rows: a row dropped since then rings the queue's doorbell, so the loop comes back for it.
            await WriteWithRetryAsync(batch, queue.TakePendingSettlements(), stoppingToken).ConfigureAwait(false);
            batch.Clear();

            var nowDropped = queue.Dropped;
            if (nowDropped != dropped)
            {
                LogRowsDropped(logger, nowDropped - dropped, nowDropped);
                dropped = nowDropped;
            }
        }

        // Rows finished after the queue closed were dropped; their quota is settled here.
        await WriteWithRetryAsync(batch, queue.TakePendingSettlements(), stoppingToken).ConfigureAwait(false);
    }

    private async Task WriteWithRetryAsync(List<UsageLog> batch, IReadOnlyCollection<QuotaSettlement> settlements, CancellationToken stoppingToken)
    {
        if (batch.Count == 0 && settlements.Count == 0)
        {
            return;
        }

        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var started = time.GetTimestamp();
                var scope = scopeFactory.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(batch, settlements, CancellationToken.None).ConfigureAwait(false);
                }

                Interlocked.Add(ref _written, batch.Count);
                metrics.Flushed(batch.Count, time.GetElapsedTime(started));
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                metrics.Failed();
                LogWriteFailed(logger, ex, batch.Count, attempt);
                if (stoppingToken.IsCancellationRequested && attempt >= 3)
                {
                    LogBatchLost(logger, batch.Count, settlements.Count);
                    return;
                }

                await Task.Delay(delay, CancellationToken.None).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Writing {Count} usage-log rows failed (attempt {Attempt}); retrying.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "The usage-log queue was full: {Count} rows were dropped ({Total} since start). Raise LlmRelay:UsageLogQueueCapacity or speed up the database.")]
    private static partial void LogRowsDropped(ILogger logger, long count, long total);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Critical, Message = "Gave up writing {Count} usage-log rows and the quota settlements of {Tokens} tokens while shutting down.")]
    private static partial void LogBatchLost(ILogger logger, int count, int tokens);
}
