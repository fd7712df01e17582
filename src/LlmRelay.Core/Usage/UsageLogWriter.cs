using LlmRelay.Configuration;
using LlmRelay.Internal;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Usage;

/// <summary>Writes queued usage-log rows to <see cref="IUsageLogStore"/> in batches, off the request path.</summary>
/// <remarks>
/// <para>
/// Each batch carries the quota settlements of rows the queue had to drop (<see cref="UsageLogQueue.TakePendingSettlements"/>),
/// so every row's quota is applied exactly once whether or not the row itself is stored. A batch that fails to write is
/// retried with back-off until it succeeds or the host stops; on a graceful stop the queue is drained, then the last
/// pending settlements are stored, before the writer returns.
/// </para>
/// <para>
/// A batch the database refuses because of its data (<see cref="UsageLogRejectedException"/>, not an outage) is not
/// retried as it is: it is split and each part appended on its own, so that every good row is stored and each refused row
/// is rejected alone: logged (request id, model, token and user, never its content), counted in
/// <c>llmrelay.usage_log.rows_rejected</c>, and settled without being stored.
/// </para>
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
            // A call holding its answer until its row is stored (LlmRelay:Quota:HoldAnswerUntilLogged) is not kept waiting: rows
            // that queue while this batch commits still share the next one.
            if (waiting > 0 && waiting < batchSize && !stoppingToken.IsCancellationRequested && !queue.HasWaiters)
            {
                try
                {
                    await Task.Delay(BatchWindow, time, stoppingToken).ConfigureAwait(false);
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

    private async Task WriteWithRetryAsync(IReadOnlyList<UsageLog> batch, IReadOnlyCollection<QuotaSettlement> settlements, CancellationToken stoppingToken)
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
                queue.Stored(batch);
                return;
            }
            catch (UsageLogRejectedException ex) when (batch.Count > 0)
            {
                // The database refuses some of the data; retrying the same batch would fail forever and block every later
                // row. Each part below is appended in its own transaction (the store's whole path, so everything it
                // derives from the rows it inserts stays consistent), and transient failures there are retried as usual.
                if (settlements.Count > 0)
                {
                    // First tell the rows from the settlements of dropped rows, so a refused settlement costs no row.
                    await WriteWithRetryAsync(batch, [], stoppingToken).ConfigureAwait(false);
                    await WriteWithRetryAsync([], settlements, stoppingToken).ConfigureAwait(false);
                    return;
                }

                if (batch.Count > 1)
                {
                    // Bisect: the good half is stored at once; the refused rows are found in log2(batch) steps.
                    var half = batch.Count / 2;
                    await WriteWithRetryAsync([.. batch.Take(half)], [], stoppingToken).ConfigureAwait(false);
                    await WriteWithRetryAsync([.. batch.Skip(half)], [], stoppingToken).ConfigureAwait(false);
                    return;
                }

                // A row refused on its own: not stored, but the quota it moves is (like a row dropped from a full queue).
                var row = batch[0];
                metrics.Rejected();
                LogRowRejected(logger, LogText.Escape(row.RequestId), LogText.Escape(Truncate(row.ModelName)), row.TokenId, row.UserId, LogText.Escape(ex.Message)!);
                queue.Stored(batch);
                var settlement = QuotaSettlement.Of(row);
                if (settlement.IsEmpty || (settlement.TokenId == 0 && settlement.UserId == 0))
                {
                    return;
                }

                batch = [];
                settlements = [settlement];
            }
            catch (UsageLogRejectedException ex)
            {
                // Only settlements, and the database refuses them (e.g. a balance would overflow): no retry can store them.
                LogSettlementsRefused(logger, settlements.Count, ex.Message);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                metrics.Failed();
                LogWriteFailed(logger, ex, batch.Count, attempt);
                if (stoppingToken.IsCancellationRequested && attempt >= 3)
                {
                    LogBatchLost(logger, batch.Count, settlements.Count);
                    queue.Stored(batch);
                    return;
                }

                await Task.Delay(delay, time, CancellationToken.None).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    // A model name comes from the caller and may be anything; the log line needs only enough to recognise it.
    private static string? Truncate(string? value) => value is { Length: > 64 } ? value[..64] + "..." : value;

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Writing {Count} usage-log rows failed (attempt {Attempt}); retrying.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "The usage-log queue was full: {Count} rows were dropped ({Total} since start). Raise LlmRelay:UsageLogQueueCapacity or speed up the database.")]
    private static partial void LogRowsDropped(ILogger logger, long count, long total);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "The database refused a usage-log row, which is not stored; its quota is settled. Request {RequestId}, model {Model}, token {TokenId}, user {UserId}: {Reason}")]
    private static partial void LogRowRejected(ILogger logger, string? requestId, string? model, long tokenId, long userId, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Critical, Message = "The database refused the quota settlements of {Tokens} tokens; they are not applied: {Reason}")]
    private static partial void LogSettlementsRefused(ILogger logger, int tokens, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Critical, Message = "Gave up writing {Count} usage-log rows and the quota settlements of {Tokens} tokens while shutting down.")]
    private static partial void LogBatchLost(ILogger logger, int count, int tokens);
}
