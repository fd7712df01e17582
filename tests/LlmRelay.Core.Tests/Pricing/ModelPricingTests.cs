using LlmRelay.Configuration;
using LlmRelay.Formats;
using LlmRelay.Pricing;

namespace LlmRelay.Core.Tests.Pricing;

public sealed class ModelPricingTests
{
    private static ModelPricing CreateSut(PricingOptions? pricing = null) => CreateSut(out _, pricing);

    private static ModelPricing CreateSut(out TestOptionsMonitor<LlmRelayOptions> monitor, PricingOptions? pricing = null)
    {
        monitor = new TestOptionsMonitor<LlmRelayOptions>(new LlmRelayOptions { Pricing = pricing ?? new PricingOptions() });
        return new ModelPricing(monitor);
    }

    [Theory]
    [InlineData("gpt-4o", 1.25, 4, 0.5)]
    [InlineData("gpt-4o-mini", 0.075, 4, 0.5)]
    [InlineData("gpt-4.1", 1, 4, 0.25)]
    [InlineData("gpt-4.1-mini", 0.2, 4, 0.25)]
    [InlineData("gpt-4.1-nano", 0.05, 4, 0.25)]
    [InlineData("o1", 7.5, 4, 0.5)]
    [InlineData("o3", 1, 4, 0.25)]
    [InlineData("o4-mini", 0.55, 4, 0.25)]
    [InlineData("gpt-5", 0.625, 8, 0.1)]
    [InlineData("gpt-5-mini", 0.125, 8, 0.1)]
    [InlineData("claude-sonnet-4-5", 1.5, 5, 0.1)]
    [InlineData("claude-3-5-haiku", 0.4, 5, 0.1)]
    [InlineData("claude-opus-4-1", 7.5, 5, 0.1)]
    [InlineData("gemini-2.5-pro", 0.625, 8, 0.1)]
    [InlineData("gemini-2.0-flash", 0.05, 4, 0.25)]
    [InlineData("gemini-1.5-flash", 0.0375, 4, 0.25)]
    [InlineData("gemini-2.5-flash-preview-tts", 0.25, 20, 1)]
    [InlineData("gemini-2.5-pro-preview-tts", 0.5, 20, 1)]
    [InlineData("deepseek-reasoner", 0.14, 1.5, 0.1)]
    [InlineData("text-embedding-3-large", 0.065, 1, 1)]
    public void Resolve_DefaultTable_ExactNames(string model, double ratio, double completion, double cacheRead)
    {
        Assert.True(CreateSut().TryResolve(model, out var price));
        Assert.Equal(ratio, price.ModelRatio, 9);
        Assert.Equal(completion, price.CompletionRatio, 9);
        Assert.Equal(cacheRead, price.CacheReadRatio, 9);
    }

    [Theory]
    [InlineData("gpt-4o-2024-08-06", "gpt-4o")]
    [InlineData("gpt-4o-mini-2024-07-18", "gpt-4o-mini")]
    [InlineData("GPT-4O-2024-11-20", "gpt-4o")]
    [InlineData("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini")]
    [InlineData("o3-mini-2025-01-31", "o3-mini")]
    [InlineData("o1-pro-2025-03-19", "o1-pro")]
    [InlineData("gpt-5-nano-2025-08-07", "gpt-5-nano")]
    [InlineData("claude-sonnet-4-20250514", "claude-sonnet-4")]
    [InlineData("claude-sonnet-4-5-20250929", "claude-sonnet-4-5")]
    [InlineData("claude-opus-4-20250514", "claude-opus-4")]
    [InlineData("claude-opus-4-5-20251101", "claude-opus-4-5")]
    [InlineData("claude-3-7-sonnet-20250219", "claude-3-7-sonnet")]
    [InlineData("claude-haiku-4-5-20251001", "claude-haiku-4-5")]
    [InlineData("gemini-2.5-flash-preview-05-20", "gemini-2.5-flash")]
    [InlineData("gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite")]
    [InlineData("gemini-1.5-flash-8b-001", "gemini-1.5-flash-8b")]
    [InlineData("anthropic/claude-sonnet-4", "claude-sonnet-4")]
    [InlineData("models/gemini-2.5-pro", "gemini-2.5-pro")]
    public void Resolve_DatedOrPrefixedName_ResolvesToLongestKnownPrefix(string model, string family)
    {
        var sut = CreateSut();

        Assert.True(sut.TryResolve(model, out var price));
        Assert.Same(sut.Resolve(family), price);
    }

    [Theory]
    [InlineData("gpt-4x")]          // "gpt-4" is a prefix, but not at a word boundary
    [InlineData("o1x-preview")]
    [InlineData("llama-3.1-70b")]
    public void Resolve_UnknownModel_UsesUnknownModelRatio(string model)
    {
        var sut = CreateSut(new PricingOptions { UnknownModelRatio = 3 });

        Assert.False(sut.TryResolve(model, out var price));
        Assert.Equal(3, price.ModelRatio);
        Assert.Equal(1, price.CompletionRatio);
        Assert.Equal(1, price.CacheReadRatio);
        Assert.Null(price.FixedPrice);
    }

    [Fact]
    public void Resolve_UnknownModel_DefaultsToRatioOne() =>
        Assert.Equal(1, CreateSut().Resolve("brand-new-model").ModelRatio);

    [Fact]
    public void Resolve_ConfiguredOverride_ReplacesEntryAndMatchesPrefixes()
    {
        var pricing = new PricingOptions();
        pricing.Models["gpt-4o"] = new ModelPrice { ModelRatio = 2, CompletionRatio = 3 };
        pricing.Models["my-model"] = new ModelPrice { ModelRatio = 9 };
        var sut = CreateSut(pricing);

        Assert.Equal(2, sut.Resolve("gpt-4o-2024-08-06").ModelRatio);
        Assert.Equal(1, sut.Resolve("gpt-4o").CacheReadRatio); // whole entry replaced
        Assert.Equal(9, sut.Resolve("my-model-v2").ModelRatio);
        Assert.Equal(0.075, sut.Resolve("gpt-4o-mini").ModelRatio, 9); // longer default entry still wins
    }

    [Fact]
    public void SetOverrides_AtRuntime_SwapsSnapshotAndReplacesPreviousOverrides()
    {
        var sut = CreateSut();
        var before = sut.Resolve("gpt-4o");

        sut.SetOverrides(new Dictionary<string, ModelPrice> { ["gpt-4o"] = new() { ModelRatio = 5 }, ["x-model"] = new() { FixedPrice = 0.04 } });
        Assert.Equal(5, sut.Resolve("gpt-4o").ModelRatio);
        Assert.True(sut.TryResolve("x-model", out var fixedPrice));
        Assert.Equal(0.04, fixedPrice.FixedPrice);

        sut.SetOverrides(new Dictionary<string, ModelPrice>());
        Assert.Same(before, sut.Resolve("gpt-4o"));
        Assert.False(sut.TryResolve("x-model", out _));
    }

    [Fact]
    public void SetOverrides_NegativeRatio_ThrowsAndKeepsSnapshot()
    {
        var sut = CreateSut();

        var ex = Assert.Throws<ArgumentException>(() => sut.SetOverrides(new Dictionary<string, ModelPrice> { ["gpt-4o"] = new() { CompletionRatio = -1 } }));
        Assert.Contains("CompletionRatio", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1.25, sut.Resolve("gpt-4o").ModelRatio);
    }

    [Fact]
    public void ConfigurationChange_RebuildsSnapshot_RuntimeOverridesStayOnTop()
    {
        var sut = CreateSut(out var monitor);
        sut.SetOverrides(new Dictionary<string, ModelPrice> { ["gpt-4o"] = new() { ModelRatio = 7 } });

        var reloaded = new PricingOptions { UnknownModelRatio = 4 };
        reloaded.Models["gpt-4o"] = new ModelPrice { ModelRatio = 6 };
        reloaded.Models["gpt-4.1"] = new ModelPrice { ModelRatio = 8 };
        reloaded.GroupRatios["vip"] = 0.5;
        monitor.Set(new LlmRelayOptions { Pricing = reloaded });

        Assert.Equal(7, sut.Resolve("gpt-4o").ModelRatio);
        Assert.Equal(8, sut.Resolve("gpt-4.1").ModelRatio);
        Assert.Equal(4, sut.Resolve("unknown").ModelRatio);
        Assert.Equal(0.5, sut.GroupRatio("vip"));
    }

    [Fact]
    public void Dispose_StopsListeningToConfiguration()
    {
        var sut = CreateSut(out var monitor);
        Assert.Equal(1, monitor.ListenerCount);

        sut.Dispose();

        Assert.Equal(0, monitor.ListenerCount);
    }

    [Fact]
    public void ComputeQuota_PricesUsageAsTheRelayBills_WithTheGroupRatio()
    {
        var pricing = new PricingOptions();
        pricing.Models["house"] = new ModelPrice { ModelRatio = 2.5, CompletionRatio = 4 };
        pricing.Models["per-call"] = new ModelPrice { FixedPrice = 0.04 };
        pricing.GroupRatios["vip"] = 1.5;
        var sut = CreateSut(pricing);
        var house = sut.Resolve("house");

        // 1M prompt tokens at 2.5 = 2,500,000 quota ($5); 1M completion tokens at 2.5 x 4 = 10,000,000; vip pays 1.5 times.
        Assert.Equal(2_500_000, sut.ComputeQuota(house, "default", new TokenUsage { InputTokens = 1_000_000 }));
        Assert.Equal(10_000_000, sut.ComputeQuota(house, null, new TokenUsage { OutputTokens = 1_000_000 }));
        Assert.Equal(3_750_000, sut.ComputeQuota(house, "vip", new TokenUsage { InputTokens = 1_000_000 }));

        // The relay's rounding: (12 + 30 x 4) x 2.5 = 330; a fixed price bills the call whatever its usage: 0.04 x 500,000 x 1.5.
        Assert.Equal(330, sut.ComputeQuota(house, "default", new TokenUsage { InputTokens = 12, OutputTokens = 30 }));
        Assert.Equal(30_000, sut.ComputeQuota(sut.Resolve("per-call"), "vip", default));
        Assert.Throws<ArgumentNullException>(() => sut.ComputeQuota(null!, "default", default));
    }

    [Fact]
    public void GroupRatio_UnknownOrNullGroup_IsOne()
    {
        var sut = CreateSut();

        Assert.Equal(1, sut.GroupRatio("default"));
        Assert.Equal(1, sut.GroupRatio(null));
    }

    [Fact]
    public void SetGroupRatios_AtRuntime_OverridesConfiguredRatios()
    {
        var pricing = new PricingOptions();
        pricing.GroupRatios["vip"] = 0.8;
        pricing.GroupRatios["svip"] = 0.5;
        var sut = CreateSut(pricing);

        sut.SetGroupRatios(new Dictionary<string, double> { ["vip"] = 0.7, ["trial"] = 2 });

        Assert.Equal(0.7, sut.GroupRatio("vip"));
        Assert.Equal(0.5, sut.GroupRatio("svip"));
        Assert.Equal(2, sut.GroupRatio("trial"));
        Assert.Throws<ArgumentException>(() => sut.SetGroupRatios(new Dictionary<string, double> { ["x"] = double.NaN }));
    }

    [Fact]
    public void Resolve_WhileOverridesChangeConcurrently_AlwaysSeesACompleteSnapshot()
    {
        var sut = CreateSut();
        var a = new Dictionary<string, ModelPrice> { ["gpt-4o"] = new() { ModelRatio = 2 } };
        var b = new Dictionary<string, ModelPrice> { ["gpt-4o"] = new() { ModelRatio = 3 } };

        Parallel.For(0, 2_000, i =>
        {
            if (i % 10 == 0)
            {
                sut.SetOverrides(i % 20 == 0 ? a : b);
            }
            else
            {
                Assert.Contains(sut.Resolve("gpt-4o-2024-08-06").ModelRatio, new[] { 1.25, 2, 3 });
                Assert.Equal(0.075, sut.Resolve("gpt-4o-mini").ModelRatio, 9);
            }
        });
    }
}
