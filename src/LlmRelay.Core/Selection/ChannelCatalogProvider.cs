using LlmRelay.Changes;
using LlmRelay.Configuration;
using LlmRelay.Health;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRelay.Selection;

/// <summary>Holds the current <see cref="ChannelCatalog"/> and rebuilds it from the store on demand.</summary>
/// <remarks>
/// Thread-safe: readers see either the old or the new catalog, never a partial one; reloads run one at a time. Each
/// reload also brings <see cref="ChannelHealthTracker"/> in line with <see cref="ChannelKeyStatusRegistry"/> (loaded from
/// the stored channel states at the first reload), so keys disabled before a restart or an edit stay disabled. Registered
/// by <c>AddLlmRelay()</c>: resolve it from the service provider, and call <see cref="ReloadAsync"/> after changing channels
/// in the store.
/// </remarks>
public sealed class ChannelCatalogProvider : IDisposable
{
    private readonly IServiceScopeFactory scopeFactory;
    private readonly IOptions<LlmRelayOptions> options;
    private readonly ChannelHealthTracker health;
    private readonly ChannelKeyStatusRegistry keyStatus;
    private readonly IEnumerable<IChannelSelectionPolicy> policies;
    private readonly ChannelLoadTracker loads;
    private readonly IRelayChangeNotifier? changes;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private volatile ChannelCatalog _current = ChannelCatalog.Empty;
    private volatile IReadOnlyDictionary<string, string> _selectionOverrides = new Dictionary<string, string>();

    internal ChannelCatalogProvider(
        IServiceScopeFactory scopeFactory,
        IOptions<LlmRelayOptions> options,
        ChannelHealthTracker health,
        ChannelKeyStatusRegistry keyStatus,
        IEnumerable<IChannelSelectionPolicy> policies,
        ChannelLoadTracker loads,
        IRelayChangeNotifier? changes = null)
    {
        this.scopeFactory = scopeFactory;
        this.options = options;
        this.health = health;
        this.keyStatus = keyStatus;
        this.policies = policies;
        this.loads = loads;
        this.changes = changes;
    }

    /// <summary>Gets the catalog built by the last reload (empty before the first).</summary>
    public ChannelCatalog Current => _current;

    /// <summary>Releases the reload lock.</summary>
    public void Dispose() => _reloading.Dispose();

    /// <summary>Sets the selection policies stored through the management API (group to policy name, <c>"*"</c> for every
    /// group without its own), which win over <c>LlmRelay:Selection</c>; they apply from the next <see cref="ReloadAsync"/>.</summary>
    /// <param name="overrides">The stored policies, as <see cref="StoredSelectionOptions.Parse"/> reads them.</param>
    public void SetSelectionOverrides(IReadOnlyDictionary<string, string> overrides) => _selectionOverrides = overrides;

    private ChannelSelectionPolicySet BuildPolicies()
    {
        var configured = options.Value.Selection;
        var overrides = _selectionOverrides;
        if (overrides.Count == 0)
        {
            return new ChannelSelectionPolicySet(policies, configured);
        }

        var merged = new ChannelSelectionOptions { Policy = overrides.GetValueOrDefault(StoredSelectionOptions.AnyGroup) ?? configured.Policy };
        foreach (var (group, policy) in configured.Groups)
        {
            merged.Groups[group] = policy;
        }

        foreach (var (group, policy) in overrides)
        {
            if (group != StoredSelectionOptions.AnyGroup)
            {
                merged.Groups[group] = policy;
            }
        }

        return new ChannelSelectionPolicySet(policies, merged);
    }

    /// <summary>Rebuilds the catalog from the channel store; the relay uses the new one from its next selection.</summary>
    /// <remarks>Call it after changing channels in the store: it also tells the other gateway instances (through
    /// <see cref="IRelayChangeNotifier"/>) to reload theirs.</remarks>
    /// <param name="cancellationToken">Cancels the reload; the current catalog stays.</param>
    /// <returns>A task that completes when the new catalog is current.</returns>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await ReloadLocalAsync(cancellationToken).ConfigureAwait(false);
        changes?.Publish(RelayChangeKinds.Channels);
    }

    /// <summary>Reloads the disabled keys from the stored channel states and applies them to the current catalog (when another instance changed them).</summary>
    /// <remarks>Off the request path: the relay keeps reading the in-memory <see cref="ChannelHealthTracker"/>.</remarks>
    internal async Task ReloadKeyStatusLocalAsync(CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var scope = scopeFactory.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                if (scope.ServiceProvider.GetService<IChannelStateStore>() is not { } states)
                {
                    return;
                }

                keyStatus.Reload(await states.ListAsync(cancellationToken).ConfigureAwait(false));
                health.Sync(_current, keyStatus);
            }
        }
        finally
        {
            _reloading.Release();
        }
    }

    /// <summary>Rebuilds the catalog from the channel store without telling the other instances (at start, and when they told this one).</summary>
    internal async Task ReloadLocalAsync(CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var scope = scopeFactory.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var store = scope.ServiceProvider.GetRequiredService<IChannelStore>();
                var channels = await store.ListAsync(cancellationToken).ConfigureAwait(false);
                if (!keyStatus.IsLoaded)
                {
                    var states = scope.ServiceProvider.GetService<IChannelStateStore>();
                    keyStatus.Load(states is null ? [] : await states.ListAsync(cancellationToken).ConfigureAwait(false));
                }

                var catalog = new ChannelCatalog(channels, options.Value, BuildPolicies(), loads);
                keyStatus.Apply(catalog);
                health.Sync(catalog, keyStatus);
                _current = catalog;
            }
        }
        finally
        {
            _reloading.Release();
        }
    }
}
