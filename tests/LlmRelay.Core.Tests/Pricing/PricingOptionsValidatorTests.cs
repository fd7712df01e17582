using LlmRelay.Configuration;
using LlmRelay.Pricing;

namespace LlmRelay.Core.Tests.Pricing;

public sealed class PricingOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new PricingOptionsValidator().Validate(null, new LlmRelayOptions()).Succeeded);

    [Fact]
    public void Validate_NegativeOrNonFiniteRatios_NamesEachKey()
    {
        var options = new LlmRelayOptions { Pricing = new PricingOptions { UnknownModelRatio = -1 } };
        options.Pricing.Models["gpt-4o"] = new ModelPrice { CacheReadRatio = -0.5 };
        options.Pricing.Models["img"] = new ModelPrice { FixedPrice = double.PositiveInfinity };
        options.Pricing.GroupRatios["vip"] = -2;

        var result = new PricingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("LlmRelay:Pricing:Models:gpt-4o:CacheReadRatio", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("LlmRelay:Pricing:Models:img:FixedPrice", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("LlmRelay:Pricing:GroupRatios:vip", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("LlmRelay:Pricing:UnknownModelRatio", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ZeroRatios_AreAllowedForFreeModels()
    {
        var options = new LlmRelayOptions();
        options.Pricing.Models["free"] = new ModelPrice { ModelRatio = 0 };

        Assert.True(new PricingOptionsValidator().Validate(null, options).Succeeded);
    }
}
