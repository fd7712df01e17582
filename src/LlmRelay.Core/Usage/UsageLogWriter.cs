using LlmRelay.Configuration;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Usage;

/// <summary>Writes queued usage-log rows to <see cref="IUsageLogStore"/> in batches, off the request path.</summary>
/// <remarks>
/// A batch that fails to write is retried with back-off until it succeeds or the host stops; on a graceful
/// stop the queue is drained before the writer returns.
/// </remarks>
internal sealed partial class UsageLogWriter(
    UsageLogQueue queue,
    IServiceScopeFactory scopeFactory,
    IOptions<LlmRelayOptions> options,
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
        var reader = queue.Reader;

        var dropped = 0L;

        // The stopping token is not passed to WaitToReadAsync: the loop ends when StopAsync completes the queue.
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // Under light traffic, wait a moment for more rows: one transaction per request costs far more than
            // the request itself (measured with the load harness), and a short delay costs callers nothing.
            if (reader.Count < batchSize && !stoppingToken.IsCancellationRequested)
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

            while (batch.Count < batchSize && reader.TryRead(out var log))
            {
                batch.Add(log);
            }

            await WriteWithRetryAsync(batch, stoppingToken).ConfigureAwait(false);
            batch.Clear();

            var nowDropped = queue.Dropped;
            if (nowDropped != dropped)
            {
                LogRowsDropped(logger, nowDropped - dropped, nowDropped);
                dropped = nowDropped;
            }
        }
    }

    private async Task WriteWithRetryAsync(List<UsageLog> batch, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var scope = scopeFactory.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(batch, CancellationToken.None).ConfigureAwait(false);
                }

                Interlocked.Add(ref _written, batch.Count);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogWriteFailed(logger, ex, batch.Count, attempt);
                if (stoppingToken.IsCancellationRequested && attempt >= 3)
                {
                    LogBatchLost(logger, batch.Count);
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

    [LoggerMessage(EventId = 1002, Level = LogLevel.Critical, Message = "Gave up writing {Count} usage-log rows while shutting down.")]
    private static partial void LogBatchLost(ILogger logger, int count);
}
