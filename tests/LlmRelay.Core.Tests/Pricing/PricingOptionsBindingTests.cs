using LlmRelay.Configuration;
using LlmRelay.Pricing;
using Microsoft.Extensions.Configuration;

namespace LlmRelay.Core.Tests.Pricing;

public sealed class PricingOptionsBindingTests
{
    [Fact]
    public void Bind_PricingSection_FillsModelsGroupRatiosAndUnknownRatio()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmRelay:Pricing:Models:gpt-4o:ModelRatio"] = "1.5",
            ["LlmRelay:Pricing:Models:gpt-4o:CompletionRatio"] = "4",
            ["LlmRelay:Pricing:Models:gpt-4o:CacheReadRatio"] = "0.5",
            ["LlmRelay:Pricing:Models:dall-e-3:FixedPrice"] = "0.04",
            ["LlmRelay:Pricing:GroupRatios:vip"] = "0.8",
            ["LlmRelay:Pricing:UnknownModelRatio"] = "2",
        }).Build();
        var options = new LlmRelayOptions();

        configuration.GetSection("LlmRelay").Bind(options);
        var pricing = new ModelPricing(new TestOptionsMonitor<LlmRelayOptions>(options));

        Assert.Equal(new ModelPrice { ModelRatio = 1.5, CompletionRatio = 4, CacheReadRatio = 0.5 }, pricing.Resolve("GPT-4o-2024-08-06"));
        Assert.Equal(0.04, pricing.Resolve("dall-e-3").FixedPrice);
        Assert.Equal(0.8, pricing.GroupRatio("vip"));
        Assert.Equal(2, pricing.Resolve("unknown-model").ModelRatio);
    }
}
