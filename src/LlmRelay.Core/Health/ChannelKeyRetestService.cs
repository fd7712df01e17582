using LlmRelay.Configuration;
using LlmRelay.Selection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Health;

/// <summary>Every <see cref="ChannelHealthOptions.RetestInterval"/>, probes each key disabled by a definitive failure and enables the ones that answer.</summary>
/// <remarks>
/// Off unless <c>LlmRelay:Health:RetestInterval</c> is set. Keys are probed one at a time with <see cref="ChannelProbe"/>
/// (a one-token chat call in the channel's dialect, the management API's channel test); a valid answer enables the key
/// through <see cref="ChannelHealthTracker.Enable"/>, which also clears its stored record.
/// </remarks>
internal sealed partial class ChannelKeyRetestService(
    IOptions<LlmRelayOptions> options,
    ChannelKeyStatusRegistry registry,
    ChannelCatalogProvider catalog,
    ChannelHealthTracker health,
    ChannelProbe probe,
    TimeProvider timeProvider,
    ILogger<ChannelKeyRetestService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Health.RetestInterval is not { } interval)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RetestAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Probes every disabled key once.</summary>
    internal async Task RetestAsync(CancellationToken cancellationToken)
    {
        var channels = catalog.Current.Channels.ToDictionary(static c => c.Id);
        foreach (var (channelId, keyIndex) in registry.DisabledKeys())
        {
            if (!channels.TryGetValue(channelId, out var channel) || !health.IsDisabled(channelId, keyIndex))
            {
                continue;
            }

            var result = await probe.SendAsync(channel, keyIndex, channel.MapModel(channel.Models.Length > 0 ? channel.Models[0] : ""), cancellationToken).ConfigureAwait(false);
            if (result.KeyAccepted)
            {
                health.Enable(channelId, keyIndex);
                LogKeyRetestPassed(logger, channelId, keyIndex);
            }
            else
            {
                LogKeyRetestFailed(logger, channelId, keyIndex, result.Status);
            }
        }
    }

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "Channel {ChannelId} key #{KeyIndex} answered its re-test and is enabled again.")]
    private static partial void LogKeyRetestPassed(ILogger logger, long channelId, int keyIndex);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Debug, Message = "Channel {ChannelId} key #{KeyIndex} failed its re-test with status {Status}; it stays disabled.")]
    private static partial void LogKeyRetestFailed(ILogger logger, long channelId, int keyIndex, int status);
}
