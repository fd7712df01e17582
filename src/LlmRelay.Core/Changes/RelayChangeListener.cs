using System.Threading.Channels;
using LlmRelay.Pricing;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmRelay.Changes;

/// <summary>Reloads this instance's caches when another instance publishes a change (issue #18).</summary>
/// <remarks>
/// The notifier's callback only queues the kinds; one loop drains the queue, merging what arrived meanwhile, so a burst of
/// writes on another instance costs one reload here. Reloads read the store and never publish, so instances never echo.
/// </remarks>
internal sealed partial class RelayChangeListener(
    IRelayChangeNotifier notifier,
    ChannelCatalogProvider catalog,
    TokenCache tokens,
    ModelPricing pricing,
    LlmRelay.RateLimiting.RelayRateLimiter rateLimiter,
    IServiceScopeFactory scopeFactory,
    ILogger<RelayChangeListener> logger) : BackgroundService
{
    private readonly Channel<RelayChangeKinds> _queue = Channel.CreateUnbounded<RelayChangeKinds>(new UnboundedChannelOptions { SingleReader = true });
    private IDisposable? _subscription;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribed before StartAsync returns (ExecuteAsync may start later), so no change published after start is missed.
        _subscription ??= notifier.Subscribe(changes => _queue.Writer.TryWrite(changes));
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _subscription?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            var changes = RelayChangeKinds.None;
            while (reader.TryRead(out var more))
            {
                changes |= more;
            }

            try
            {
                await ApplyAsync(changes, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The caches keep their current contents; the next change (or a reconnect's resync) tries again.
                LogReloadFailed(logger, ex, changes);
            }
        }
    }

    private async Task ApplyAsync(RelayChangeKinds changes, CancellationToken cancellationToken)
    {
        LogApplying(logger, changes);
        if ((changes & (RelayChangeKinds.Options | RelayChangeKinds.Models)) != 0)
        {
            var scope = scopeFactory.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                if (scope.ServiceProvider.GetService<IOptionStore>() is { } options)
                {
                    await StoredPricingOptions.LoadAsync(pricing, options, cancellationToken).ConfigureAwait(false);
                    await StoredSelectionOptions.LoadAsync(catalog, options, cancellationToken).ConfigureAwait(false);
                    await LlmRelay.RateLimiting.StoredRateLimitOptions.LoadAsync(rateLimiter, options, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if ((changes & (RelayChangeKinds.Tokens | RelayChangeKinds.Users | RelayChangeKinds.Options)) != 0)
        {
            // Token entries carry their owner's status and whether their group is usable (an option).
            tokens.ClearLocal();
        }

        if ((changes & (RelayChangeKinds.Channels | RelayChangeKinds.Options | RelayChangeKinds.Models)) != 0)
        {
            await catalog.ReloadLocalAsync(cancellationToken).ConfigureAwait(false);
        }

        if ((changes & RelayChangeKinds.ChannelKeys) != 0)
        {
            // After the catalog, so the stored keys are mapped onto the newest key positions.
            await catalog.ReloadKeyStatusLocalAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Another instance changed {Changes}; reloading.")]
    private static partial void LogApplying(ILogger logger, RelayChangeKinds changes);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Reloading after another instance changed {Changes} failed; the caches keep their contents until the next change.")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception, RelayChangeKinds changes);
}
