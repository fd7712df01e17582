using LlmRelay.Configuration;
using LlmRelay.Pricing;
using LlmRelay.Selection;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmRelay.Internal;

/// <summary>Migrates the database, syncs declared channels and tokens, and loads the caches (channels, stored pricing options) before the server starts.</summary>
internal sealed partial class RelayStartupService(
    IServiceScopeFactory scopeFactory,
    IOptions<LlmRelayOptions> options,
    ChannelCatalogProvider catalog,
    ModelPricing pricing,
    RelayReadiness readiness,
    TimeProvider timeProvider,
    ILogger<RelayStartupService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scope = scopeFactory.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var services = scope.ServiceProvider;
            var database = services.GetService<IRelayDatabase>()
                ?? throw new InvalidOperationException(
                    "LlmRelay has no storage. Call AddEntityFrameworkStores(configuration), AddSqliteStores(...) or AddPostgreSqlStores(...) on the builder AddLlmRelay() returns.");
            await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            await ConfigurationSynchronizer.SyncAsync(
                options.Value,
                services.GetRequiredService<IChannelStore>(),
                services.GetRequiredService<ITokenStore>(),
                timeProvider,
                cancellationToken).ConfigureAwait(false);

            // Ratios set through the management API are charged from the first request after a restart.
            if (services.GetService<IOptionStore>() is { } optionStore)
            {
                await StoredPricingOptions.LoadAsync(pricing, optionStore, cancellationToken).ConfigureAwait(false);
                await StoredSelectionOptions.LoadAsync(catalog, optionStore, cancellationToken).ConfigureAwait(false);
                await RateLimiting.StoredRateLimitOptions.LoadAsync(services.GetRequiredService<RateLimiting.RelayRateLimiter>(), optionStore, cancellationToken).ConfigureAwait(false);
            }
        }

        await catalog.ReloadLocalAsync(cancellationToken).ConfigureAwait(false);
        if (catalog.Current.UnreadableKeyChannels is { Count: > 0 } unreadable)
        {
            LogUnreadableKeys(logger, unreadable.Count, string.Join(", ", unreadable.Select(static c => $"{c.Id} '{c.Name}'")));
        }

        readiness.MarkReady();
        LogStarted(logger, catalog.Current.Channels.Count, options.Value.Tokens.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message =
        "{ChannelCount} channel(s) have upstream keys that cannot be decrypted: {Channels}. The ASP.NET Core Data Protection key ring that encrypted them "
        + "is not available to this process, so these channels are not used and /readyz fails. Restore the key ring this app persists keys to "
        + "(by default ~/.aspnet/DataProtection-Keys of the service user; PersistKeysToFileSystem or another key store when configured; "
        + "see docs/deployment.md, Data Protection keys) and restart, or enter the channels' keys again.")]
    private static partial void LogUnreadableKeys(ILogger logger, int channelCount, string channels);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "LlmRelay is ready: {ChannelCount} channels loaded, {TokenCount} tokens declared in configuration.")]
    private static partial void LogStarted(ILogger logger, int channelCount, int tokenCount);
}
