using LlmRelay.Changes;
using LlmRelay.Management;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmRelay.Health;

/// <summary>Writes the changes of <see cref="ChannelKeyStatusRegistry"/> to <see cref="ChannelState.AutoDisabledKeys"/>, off the request path.</summary>
/// <remarks>
/// Each write stores a channel's whole current record set, so writes are idempotent and their order does not matter.
/// On shutdown the queue is drained. Without an <see cref="IChannelStateStore"/> (in-memory storage) nothing is written.
/// Once records are stored, the other gateway instances are told (<see cref="RelayChangeKinds.ChannelKeys"/>) and reload them
/// from the store, so a key one instance disabled is skipped by all of them (issue #18).
/// </remarks>
internal sealed partial class ChannelKeyStatusWriter(
    ChannelKeyStatusRegistry registry,
    IServiceScopeFactory scopeFactory,
    IRelayChangeNotifier changes,
    ILogger<ChannelKeyStatusWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = registry.Pending;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await WriteAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: write what is still queued.
            await WriteAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Writes every queued channel's records now.</summary>
    internal async Task WriteAsync(CancellationToken cancellationToken)
    {
        var channelIds = new HashSet<long>();
        while (registry.Pending.TryRead(out var channelId))
        {
            channelIds.Add(channelId);
        }

        if (channelIds.Count == 0)
        {
            return;
        }

        var scope = scopeFactory.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var states = scope.ServiceProvider.GetService<IChannelStateStore>();
            var channels = scope.ServiceProvider.GetService<IChannelStore>();
            if (states is null || channels is null)
            {
                return;
            }

            var saved = false;
            foreach (var channelId in channelIds)
            {
                try
                {
                    var (records, change) = registry.ToSave(channelId);
                    if (await channels.FindAsync(channelId, cancellationToken).ConfigureAwait(false) is not null)
                    {
                        await states.SaveAutoDisabledKeysAsync(channelId, records, cancellationToken).ConfigureAwait(false);
                        saved = true;
                    }

                    registry.MarkSaved(channelId, change);
                }
#pragma warning disable CA1031 // A failed write is logged; the in-memory state stays right and the next change writes again.
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    LogWriteFailed(logger, ex, channelId);
                }
            }

            if (saved)
            {
                changes.Publish(RelayChangeKinds.ChannelKeys);
            }
        }
    }

    [LoggerMessage(EventId = 1110, Level = LogLevel.Error, Message = "Could not store the disabled keys of channel {ChannelId}.")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, long channelId);
}
