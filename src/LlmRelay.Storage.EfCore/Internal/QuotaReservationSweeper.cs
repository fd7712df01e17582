using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Writes this instance's heartbeat and releases the reservations of dead instances, at start and every <see cref="QuotaReservationLedger.HeartbeatInterval"/>.</summary>
/// <remarks>
/// Hosted services start in order, after LlmRelay's startup service has migrated the database, so the first round runs
/// against the current schema. A failed round (the database unreachable) is logged and tried again at the next tick.
/// </remarks>
/// <param name="ledger">The heartbeat and the sweep.</param>
/// <param name="time">The clock of the ticks.</param>
/// <param name="logger">The logger.</param>
internal sealed partial class QuotaReservationSweeper(QuotaReservationLedger ledger, TimeProvider time, ILogger<QuotaReservationSweeper> logger) : BackgroundService
{
    private readonly TaskCompletionSource _firstRound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets a task that completes when the first round (at start) has run, whether it succeeded or not.</summary>
    public Task FirstRound => _firstRound.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ledger.HeartbeatInterval, time);
        do
        {
            try
            {
                await ledger.HeartbeatAsync(stoppingToken).ConfigureAwait(false);
                var (records, quota) = await ledger.SweepAsync(stoppingToken).ConfigureAwait(false);
                if (records > 0)
                {
                    LogReleased(logger, records, quota);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex);
            }
            finally
            {
                _firstRound.TrySetResult();
            }
        }
        while (await Tick(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async ValueTask<bool> Tick(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Released {Records} quota reservation records ({Quota} quota) held by gateway instances that stopped without settling them.")]
    private static partial void LogReleased(ILogger logger, long records, long quota);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The quota reservation heartbeat or sweep failed; it runs again at the next interval.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
