using LlmRelay.Concurrency;
using LlmRelay.Health;
using LlmRelay.Responses;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Core.Tests.Responses;

public sealed class CoreRegistrationTests
{
    [Fact]
    public void AddLlmRelay_RegistersHealthConcurrencyAndResponseStore_AsSingletons()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay(static o => o.Concurrency.MaxInFlight = 3);
        using var provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<ChannelHealthTracker>(), provider.GetRequiredService<ChannelHealthTracker>());
        Assert.Same(provider.GetRequiredService<ResponseStore>(), provider.GetRequiredService<ResponseStore>());
        var concurrency = provider.GetRequiredService<RelayConcurrency>();
        Assert.Same(concurrency, provider.GetRequiredService<RelayConcurrency>());
        Assert.Equal(3, concurrency.Status().MaxInFlight);
    }
}
