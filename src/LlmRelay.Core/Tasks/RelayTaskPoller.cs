using LlmRelay.Client;
using LlmRelay.Configuration;
using LlmRelay.Pipeline;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Tasks;

/// <summary>Polls the upstream of every running <see cref="RelayTask"/> with backoff, and settles each task once when it ends.</summary>
/// <remarks>
/// <code>
/// every PollInterval: IRelayTaskStore.ListDueAsync(now)            (rows in the database: a restarted gateway resumes here)
///   per task: older than Timeout ─► failed ("timed out"), refunded
///             GET {channel}/videos/{upstream id} through UpstreamSender (the channel's key the task was created with)
///               2xx queued / in_progress ─► progress saved, next poll after PollInterval x 2^polls (at most MaxPollInterval)
///               2xx completed ─► finished: the charge taken when the task was created stands
///               2xx failed, 404 ─► finished: a Refund usage-log row returns the charge to the key and its user
///               other answers, unreachable ─► next poll after the backoff
///   finishing is one conditional update (IRelayTaskStore.TryFinishAsync) with the refund row in its transaction:
///   of several instances or rounds, one settles the task, once
/// </code>
/// Does nothing when no <see cref="IRelayTaskStore"/> is registered. A failed round is logged and tried again at the next tick.
/// </remarks>
internal sealed partial class RelayTaskPoller(
    ChannelCatalogProvider catalog,
    UpstreamSender sender,
    IServiceScopeFactory scopes,
    IOptions<LlmRelayOptions> options,
    TimeProvider time,
    ILogger<RelayTaskPoller> logger) : BackgroundService
{
    private readonly TaskOptions _options = options.Value.Tasks;

    /// <summary>Returns when a task polled <paramref name="polls"/> times is next due: the first interval, doubled per poll, capped.</summary>
    public static TimeSpan Backoff(TaskOptions options, int polls)
    {
        var factor = Math.Pow(2, Math.Clamp(polls, 0, 30));
        var ticks = Math.Min(options.PollInterval.Ticks * factor, options.MaxPollInterval.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.PollInterval, time);
        do
        {
            try
            {
                await PollOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(logger, ex);
            }
        }
        while (await TickAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Polls every due task once.</summary>
    /// <returns>The number of tasks polled.</returns>
    internal async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            if (scope.ServiceProvider.GetService<IRelayTaskStore>() is not { } store)
            {
                return 0;
            }

            var due = await store.ListDueAsync(time.GetUtcNow(), _options.BatchSize, cancellationToken).ConfigureAwait(false);
            foreach (var task in due)
            {
                await PollAsync(store, task, cancellationToken).ConfigureAwait(false);
            }

            return due.Count;
        }
    }

    private async Task PollAsync(IRelayTaskStore store, RelayTask task, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - task.CreatedAt >= _options.Timeout)
        {
            await FinishAsync(store, task, RelayTaskStatus.Failed, $"The task did not finish within {_options.Timeout}.", cancellationToken).ConfigureAwait(false);
            return;
        }

        task.PollCount++;
        task.NextPollAt = now + Backoff(_options, task.PollCount);
        task.UpdatedAt = now;
        var channel = VideoTaskRelay.ChannelOf(catalog.Current, task.ChannelId);
        if (channel is null)
        {
            // The channel was removed or disabled: nothing can be asked; the timeout ends the task.
            await store.UpdateProgressAsync(task, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(channel.FirstByteTimeout);
        try
        {
            using var response = await sender.GetAsync(channel, Math.Min(task.KeyIndex, channel.KeyCount - 1), UpstreamVideo.UriOf(channel, task.UpstreamTaskId), timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status == 404)
            {
                await FinishAsync(store, task, RelayTaskStatus.Failed, "The upstream no longer knows the task.", cancellationToken).ConfigureAwait(false);
                return;
            }

            var body = await UpstreamVideo.ReadBodyAsync(response, timeout.Token).ConfigureAwait(false);
            if (status is < 200 or >= 300 || UpstreamVideo.Read(body) is not { } video)
            {
                LogPollFailed(logger, task.TaskId, channel.Name, status);
                await store.UpdateProgressAsync(task, cancellationToken).ConfigureAwait(false);
                return;
            }

            task.Progress = Math.Max(task.Progress, video.Progress);
            task.Seconds = video.Seconds.Length > 0 ? video.Seconds : task.Seconds;
            task.Size = video.Size.Length > 0 ? video.Size : task.Size;
            switch (video.Status)
            {
                case RelayTaskStatus.Completed:
                    task.Progress = 100;
                    await FinishAsync(store, task, RelayTaskStatus.Completed, "", cancellationToken).ConfigureAwait(false);
                    break;
                case RelayTaskStatus.Failed:
                    await FinishAsync(store, task, RelayTaskStatus.Failed, video.Error.Length > 0 ? RelayKeys.Scrub(video.Error, channel.Keys) : "The upstream reported the task failed.", cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    task.Status = video.Status;
                    await store.UpdateProgressAsync(task, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogPollFailed(logger, task.TaskId, channel.Name, 0);
            await store.UpdateProgressAsync(task, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FinishAsync(IRelayTaskStore store, RelayTask task, RelayTaskStatus status, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        task.Status = status;
        task.FailReason = reason;
        task.FinishedAt = now;
        task.UpdatedAt = now;
        var refund = status == RelayTaskStatus.Failed && task.Quota > 0 ? RefundOf(task, now, reason) : null;
        if (await store.TryFinishAsync(task, refund, cancellationToken).ConfigureAwait(false))
        {
            LogFinished(logger, task.TaskId, status, refund?.Quota ?? 0);
        }
    }

    /// <summary>Returns the usage-log row that gives a failed task's charge back to its key and user.</summary>
    internal static UsageLog RefundOf(RelayTask task, DateTimeOffset now, string reason) => new()
    {
        CreatedAt = now,
        Type = UsageLogType.Refund,
        UserId = task.UserId,
        TokenId = task.TokenId,
        TokenName = task.TokenName,
        ModelName = task.ModelName,
        ChannelId = task.ChannelId,
        Group = task.Group,
        Quota = task.Quota,
        StatusCode = 200,
        RequestId = task.TaskId,
        Other = new UsageDetails { TaskId = task.TaskId },
        Content = $"Video task {task.TaskId} failed ({reason}); refunded {task.Quota} quota.",
    };

    private static async ValueTask<bool> TickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
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

    [LoggerMessage(EventId = 2401, Level = LogLevel.Warning, Message = "A task polling round failed; it runs again at the next interval.")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Information, Message = "Polling task {TaskId} at channel '{Channel}' got no usable answer (status {Status}); trying again later.")]
    private static partial void LogPollFailed(ILogger logger, string taskId, string channel, int status);

    [LoggerMessage(EventId = 2403, Level = LogLevel.Information, Message = "Task {TaskId} finished {Status}; refunded {Quota} quota.")]
    private static partial void LogFinished(ILogger logger, string taskId, RelayTaskStatus status, long quota);
}
