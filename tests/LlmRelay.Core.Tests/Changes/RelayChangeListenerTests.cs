using System.Collections.Concurrent;
using LlmRelay.Changes;
using LlmRelay.Channels;
using LlmRelay.Selection;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace LlmRelay.Core.Tests.Changes;

/// <summary>A change another instance publishes reloads this instance's caches; this instance's own writes publish (issue #18).</summary>
public sealed partial class RelayChangeListenerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChannelsChangedElsewhere_CatalogReloadsFromTheStore()
    {
        var (provider, bus) = CreateSut();
        await using var _ = provider;
        await StartAsync(provider);
        var catalog = provider.GetRequiredService<ChannelCatalogProvider>();
        Assert.Empty(catalog.Current.Channels);

        // Another instance added a channel to the shared store and told everyone.
        await using (var scope = provider.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(
                new RelayChannel { Name = "added-elsewhere", BaseUrl = "http://127.0.0.1:1", Keys = ["k"], Models = ["m"] }, Ct);
        }

        bus.FromAnotherInstance(RelayChangeKinds.Channels);

        await WaitUntilAsync(() => catalog.Current.Channels.Any(static c => c.Name == "added-elsewhere"));
        Assert.Empty(bus.Sent); // a reload on behalf of another instance is not echoed
    }

    [Fact]
    public async Task TokensChangedElsewhere_CachedTokenIsLookedUpAgain()
    {
        var (provider, bus) = CreateSut();
        await using var _ = provider;
        await StartAsync(provider);
        var cache = provider.GetRequiredService<TokenCache>();
        ApiToken token;
        await using (var scope = provider.CreateAsyncScope())
        {
            token = new ApiToken { Name = "before", KeyHash = ApiKeys.Hash("sk-shared") };
            await scope.ServiceProvider.GetRequiredService<ITokenStore>().AddAsync(token, Ct);
        }

        Assert.Equal("before", (await cache.FindAsync("sk-shared", Ct))!.Name);
        await using (var scope = provider.CreateAsyncScope())
        {
            token.Name = "after";
            await scope.ServiceProvider.GetRequiredService<ITokenStore>().UpdateAsync(token, Ct);
        }

        bus.FromAnotherInstance(RelayChangeKinds.Tokens);

        await WaitUntilAsync(() => cache.FindAsync("sk-shared", Ct).AsTask().Result?.Name == "after");
        Assert.Empty(bus.Sent);
    }

    [Fact]
    public async Task LocalWrites_ReloadAndClear_PublishToTheOtherInstances()
    {
        var (provider, bus) = CreateSut();
        await using var _ = provider;

        await provider.GetRequiredService<ChannelCatalogProvider>().ReloadAsync(Ct);
        provider.GetRequiredService<TokenCache>().Clear();

        Assert.Equal([RelayChangeKinds.Channels, RelayChangeKinds.Tokens], bus.Sent);
    }

    [Fact]
    public void InProcessNotifier_DropsItsOwnMessages()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay();
        using var provider = services.BuildServiceProvider();
        var notifier = provider.GetRequiredService<IRelayChangeNotifier>();
        var heard = new ConcurrentQueue<RelayChangeKinds>();
        using var subscription = notifier.Subscribe(heard.Enqueue);

        notifier.Publish(RelayChangeKinds.All);

        Assert.Empty(heard);
    }

    private static (ServiceProvider Provider, TestBus Bus) CreateSut()
    {
        var bus = new TestBus();
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay().AddInMemoryStores();
        services.Replace(ServiceDescriptor.Singleton<IRelayChangeNotifier>(bus));
        return (services.BuildServiceProvider(), bus);
    }

    private static async Task StartAsync(IServiceProvider provider)
    {
        foreach (var service in provider.GetServices<IHostedService>().OfType<BackgroundService>())
        {
            await service.StartAsync(Ct);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The cache did not reload.");
            await Task.Delay(10, Ct);
        }
    }

    /// <summary>A transport whose "other instance" is the test: sent messages are recorded, received ones come from the test.</summary>
    private sealed class TestBus : RelayChangeNotifier
    {
        public ConcurrentQueue<RelayChangeKinds> Sent { get; } = new();

        public void FromAnotherInstance(RelayChangeKinds kinds) => OnReceived($"another-instance {(int)kinds}");

        protected override void Send(string message)
        {
            Sent.Enqueue((RelayChangeKinds)int.Parse(message[(message.IndexOf(' ', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            OnReceived(message); // heard back, as PostgreSQL and Redis do: dropped as this instance's own
        }
    }
}
