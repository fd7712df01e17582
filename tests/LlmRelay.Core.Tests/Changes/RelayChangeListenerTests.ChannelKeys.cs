using System.Collections.Concurrent;
using LlmRelay.Changes;
using LlmRelay.Channels;
using LlmRelay.Health;
using LlmRelay.Management;
using LlmRelay.Selection;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LlmRelay.Core.Tests.Changes;

/// <summary>Key health across instances (issue #18): a key disabled or enabled on one instance is stored, published, and reloaded by the others.</summary>
public sealed partial class RelayChangeListenerTests
{
    [Fact]
    public async Task ChannelKeysChangedElsewhere_StoredDisabledKeysReload_AndEnabledKeysComeBack()
    {
        var (provider, bus, states) = CreateSutWithStates();
        await using var _ = provider;
        var (channelId, health) = await StartWithTwoKeysAsync(provider);
        Assert.False(health.IsDisabled(channelId, 0));

        // Another instance disabled key 0 by a 401 and stored it.
        states.Set(channelId, [new DisabledChannelKey { Fingerprint = ChannelKeyStatusRegistry.Fingerprint("sk-first"), KeyHint = "sk-f...st", Reason = "401", DisabledAt = DateTimeOffset.UnixEpoch }]);
        bus.FromAnotherInstance(RelayChangeKinds.ChannelKeys);

        await WaitUntilAsync(() => health.IsDisabled(channelId, 0));
        Assert.False(health.IsDisabled(channelId, 1));
        Assert.NotNull(provider.GetRequiredService<ChannelKeyStatusRegistry>().Find(channelId, "sk-first"));

        // Its re-test (or an administrator) enabled it again there.
        states.Set(channelId, []);
        bus.FromAnotherInstance(RelayChangeKinds.ChannelKeys);

        await WaitUntilAsync(() => !health.IsDisabled(channelId, 0));
        Assert.Empty(bus.Sent); // reloads are not echoed
    }

    [Fact]
    public async Task KeyDisabledHere_IsStoredThenPublished()
    {
        var (provider, bus, states) = CreateSutWithStates();
        await using var _ = provider;
        var (channelId, health) = await StartWithTwoKeysAsync(provider);

        health.ReportFailure(channelId, 1, ChannelFailureKind.Definitive, "401 invalid key");

        await WaitUntilAsync(() => bus.Sent.Contains(RelayChangeKinds.ChannelKeys));
        var stored = Assert.Single(states.Get(channelId));
        Assert.Equal(ChannelKeyStatusRegistry.Fingerprint("sk-second"), stored.Fingerprint);
    }

    [Fact]
    public void Reload_KeepsLocalChangesNotStoredYet()
    {
        var registry = new ChannelKeyStatusRegistry();
        var catalog = new ChannelCatalog([new RelayChannel { Id = 7, Name = "c", BaseUrl = "http://127.0.0.1:1", Keys = ["sk-first", "sk-second"], Models = ["m"] }]);
        registry.Apply(catalog);
        registry.Load([]);

        registry.OnKeyDisabled(new ChannelKeyId(7, 0), "401", DateTimeOffset.UnixEpoch);
        registry.Reload([]); // another instance's older store contents: this instance's unsaved record stays
        Assert.NotNull(registry.Find(7, "sk-first"));

        var (records, change) = registry.ToSave(7);
        Assert.Single(records);
        registry.MarkSaved(7, change);
        registry.Reload([]); // stored, then another instance enabled it: the store wins
        Assert.Null(registry.Find(7, "sk-first"));
    }

    private static (ServiceProvider Provider, TestBus Bus, FakeStateStore States) CreateSutWithStates()
    {
        var bus = new TestBus();
        var states = new FakeStateStore();
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay().AddInMemoryStores();
        services.Replace(ServiceDescriptor.Singleton<IRelayChangeNotifier>(bus));
        services.AddSingleton<IChannelStateStore>(states);
        return (services.BuildServiceProvider(), bus, states);
    }

    private static async Task<(long ChannelId, ChannelHealthTracker Health)> StartWithTwoKeysAsync(IServiceProvider provider)
    {
        var channel = new RelayChannel { Name = "pool", BaseUrl = "http://127.0.0.1:1", Keys = ["sk-first", "sk-second"], Models = ["m"] };
        await using (var scope = provider.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(channel, Ct);
        }

        await StartAsync(provider);
        await provider.GetRequiredService<ChannelCatalogProvider>().ReloadLocalAsync(Ct);
        return (channel.Id, provider.GetRequiredService<ChannelHealthTracker>());
    }

    /// <summary>The shared database's channel states, as another instance would leave them.</summary>
    private sealed class FakeStateStore : IChannelStateStore
    {
        private readonly ConcurrentDictionary<long, List<DisabledChannelKey>> _keys = new();

        public void Set(long channelId, List<DisabledChannelKey> keys) => _keys[channelId] = keys;

        public List<DisabledChannelKey> Get(long channelId) => _keys.GetValueOrDefault(channelId) ?? [];

        public Task<IReadOnlyList<ChannelState>> ListAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<ChannelState>>([.. _keys.Select(static k => new ChannelState { ChannelId = k.Key, AutoDisabledKeys = [.. k.Value] })]);

        public Task<ChannelState?> FindAsync(long channelId, CancellationToken cancellationToken = default) =>
            Task.FromResult(_keys.TryGetValue(channelId, out var keys) ? new ChannelState { ChannelId = channelId, AutoDisabledKeys = [.. keys] } : null);

        public Task SaveAsync(ChannelState state, CancellationToken cancellationToken = default)
        {
            _keys[state.ChannelId] = [.. state.AutoDisabledKeys];
            return Task.CompletedTask;
        }

        public Task SaveAutoDisabledKeysAsync(long channelId, IReadOnlyList<DisabledChannelKey> keys, CancellationToken cancellationToken = default)
        {
            _keys[channelId] = [.. keys];
            return Task.CompletedTask;
        }

        public Task DeleteAsync(long channelId, CancellationToken cancellationToken = default)
        {
            _keys.TryRemove(channelId, out _);
            return Task.CompletedTask;
        }
    }
}
