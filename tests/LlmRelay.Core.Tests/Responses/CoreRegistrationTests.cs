using LlmRelay.Channels;
using LlmRelay.Concurrency;
using LlmRelay.Health;
using LlmRelay.Pipeline;
using LlmRelay.Pricing;
using LlmRelay.Providers;
using LlmRelay.Responses;
using LlmRelay.Selection;
using LlmRelay.Tokenization;
using LlmRelay.Tokens;
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

    // Public services with internal constructors are registered through factories (issue #14): the container calls only
    // public constructors, so a type registered by type alone would fail to resolve.
    [Theory]
    [InlineData(typeof(RelayPipeline))]
    [InlineData(typeof(TokenCache))]
    [InlineData(typeof(ChannelCatalogProvider))]
    [InlineData(typeof(ModelResolver))]
    [InlineData(typeof(ChannelKeyStatusRegistry))]
    [InlineData(typeof(ChannelProbe))]
    [InlineData(typeof(ModelPricing))]
    [InlineData(typeof(OutboundAddressPolicy))]
    [InlineData(typeof(UpstreamInvoker))]
    [InlineData(typeof(ITokenCounter))]
    public void AddLlmRelay_PublicServiceWithInternalConstructor_ResolvesAsSingleton(Type service)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay();
        using var provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService(service), provider.GetRequiredService(service));
    }

    [Fact]
    public async Task ChannelProbe_TestAsync_ChannelWithoutKeys_FailsWithoutSending()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay();
        using var provider = services.BuildServiceProvider();
        var channel = new RelayChannel { Id = 1, Name = "c1", BaseUrl = "http://127.0.0.1:1", Models = ["m"] };

        var result = await provider.GetRequiredService<ChannelProbe>().TestAsync(channel, "m", TestContext.Current.CancellationToken);

        Assert.False(result.Success);
        Assert.Equal(0, result.Status);
        Assert.Equal("The channel has no enabled key.", result.Message);
    }
}
