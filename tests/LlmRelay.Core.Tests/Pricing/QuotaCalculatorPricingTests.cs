using LlmRelay.Formats;
using LlmRelay.Pricing;
using LlmRelay.Usage;

namespace LlmRelay.Core.Tests.Pricing;

public sealed class QuotaCalculatorPricingTests
{
    private static readonly ModelPrice Gpt4o = new() { ModelRatio = 1.25, CompletionRatio = 4, CacheReadRatio = 0.5, CacheWrite5mRatio = 1, CacheWrite1hRatio = 1 };
    private static readonly ModelPrice ClaudeSonnet = new() { ModelRatio = 1.5, CompletionRatio = 5, CacheReadRatio = 0.1, CacheWrite5mRatio = 1.25, CacheWrite1hRatio = 2 };
    private static readonly ModelPrice GeminiPro = new() { ModelRatio = 0.625, CompletionRatio = 8, CacheReadRatio = 0.1 };

    [Fact]
    public void Compute_OpenAICachedSubsetOfPrompt_BillsCachedTokensOnceAtCacheRatio()
    {
        // prompt_tokens 2006 of which cached_tokens 1920; completion_tokens 300.
        var usage = new TokenUsage { InputTokens = 2006, CachedInputTokens = 1920, OutputTokens = 300 };

        // (86 + 1920 x 0.5 + 300 x 4) x 1.25 = 2807.5 -> 2808
        Assert.Equal(2808, QuotaCalculator.Compute(usage, Gpt4o, groupRatio: 1));
    }

    [Fact]
    public void Compute_AnthropicCacheReadAndCreation_BillsEachBucketOnce()
    {
        // Anthropic input_tokens 50 + cache_read 4000 + cache_creation 1000, normalised into InputTokens.
        var usage = new TokenUsage { InputTokens = 5050, CachedInputTokens = 4000, CacheCreationInputTokens = 1000, OutputTokens = 200 };

        // (50 + 4000 x 0.1 + 1000 x 1.25 + 200 x 5) x 1.5 = 2700 x 1.5 = 4050
        Assert.Equal(4050, QuotaCalculator.Compute(usage, ClaudeSonnet, groupRatio: 1));
    }

    [Fact]
    public void Compute_AnthropicOneHourCacheWrites_BillsThatPartAtTheOneHourRatio()
    {
        var usage = new TokenUsage { InputTokens = 1000, CacheCreationInputTokens = 1000 };

        // (600 x 1.25 + 400 x 2) x 1.5 = 2325
        Assert.Equal(2325, QuotaCalculator.Compute(usage with { CacheCreation1hInputTokens = 400 }, ClaudeSonnet, 1));
        Assert.Equal(3000, QuotaCalculator.Compute(usage with { CacheCreation1hInputTokens = 5000 }, ClaudeSonnet, 1)); // clamped to the bucket
    }

    [Fact]
    public void Compute_GeminiThoughtsInsideOutput_BilledOnceAtCompletionRatio()
    {
        // promptTokenCount 100, candidatesTokenCount 50, thoughtsTokenCount 150 -> OutputTokens 200 incl. ReasoningTokens 150.
        var usage = new TokenUsage { InputTokens = 100, OutputTokens = 200, ReasoningTokens = 150 };

        // (100 + 200 x 8) x 0.625 = 1062.5 -> 1063
        Assert.Equal(1063, QuotaCalculator.Compute(usage, GeminiPro, groupRatio: 1));
    }

    [Fact]
    public void Compute_FloatingPointNoise_DoesNotRoundUpAnExtraQuota()
    {
        var price = new ModelPrice { ModelRatio = 0.1, CacheWrite5mRatio = 1.25 };

        Assert.Equal(125, QuotaCalculator.Compute(new TokenUsage { InputTokens = 1000, CacheCreationInputTokens = 1000 }, price, 1));
    }

    [Fact]
    public void Compute_GroupRatio_MultipliesEverything() =>
        Assert.Equal(1404, QuotaCalculator.Compute(new TokenUsage { InputTokens = 2006, CachedInputTokens = 1920, OutputTokens = 300 }, Gpt4o, groupRatio: 0.5));

    [Fact]
    public void Compute_FixedPrice_IgnoresUsage()
    {
        var price = new ModelPrice { ModelRatio = 100, FixedPrice = 0.04 };

        Assert.Equal(20_000, QuotaCalculator.Compute(new TokenUsage { InputTokens = 1_000_000 }, price, 1));
        Assert.Equal(20_000, QuotaCalculator.Compute(default, price, 1));
        Assert.Equal(30_000, QuotaCalculator.Compute(default, price, 1.5));
    }

    [Fact]
    public void Compute_ZeroUsage_IsZero_TinyUsage_IsAtLeastOne()
    {
        Assert.Equal(0, QuotaCalculator.Compute(default, Gpt4o, 1));
        Assert.Equal(1, QuotaCalculator.Compute(new TokenUsage { InputTokens = 1 }, new ModelPrice { ModelRatio = 0.01 }, 1));
    }

    [Fact]
    public void Compute_FreeModel_IsZero() =>
        Assert.Equal(0, QuotaCalculator.Compute(new TokenUsage { InputTokens = 1000, OutputTokens = 10 }, new ModelPrice { ModelRatio = 0 }, 1));

    [Fact]
    public void Compute_InconsistentBuckets_NeverBillsNegativeUncachedTokens() =>
        Assert.Equal(50, QuotaCalculator.Compute(new TokenUsage { InputTokens = 100, CachedInputTokens = 500 }, new ModelPrice { CacheReadRatio = 0.1 }, 1));

    [Fact]
    public void Compute_DefaultTablePriceForGpt4o_ChargesListPrice()
    {
        // 1M prompt tokens of gpt-4o cost 2.50 USD = 1,250,000 quota.
        var price = DefaultModelPrices.Create()["gpt-4o"];

        Assert.Equal(1_250_000, QuotaCalculator.Compute(new TokenUsage { InputTokens = 1_000_000 }, price, 1));
        Assert.Equal(5_000_000, QuotaCalculator.Compute(new TokenUsage { OutputTokens = 1_000_000 }, price, 1)); // 10 USD
    }

    [Fact]
    public void EstimateReservation_CoversComputeForAnyCacheSplitUpToFiveMinuteWrites()
    {
        const int prompt = 5000;
        const int maxOutput = 1000;
        var reserved = QuotaCalculator.EstimateReservation(prompt, maxOutput, ClaudeSonnet, 1);

        Assert.Equal((long)Math.Ceiling(((prompt * 1.25) + (maxOutput * 5)) * 1.5), reserved);
        Assert.True(reserved >= QuotaCalculator.Compute(new TokenUsage { InputTokens = prompt, OutputTokens = maxOutput }, ClaudeSonnet, 1));
        Assert.True(reserved >= QuotaCalculator.Compute(new TokenUsage { InputTokens = prompt, CacheCreationInputTokens = prompt, OutputTokens = maxOutput }, ClaudeSonnet, 1));
        Assert.True(reserved >= QuotaCalculator.Compute(new TokenUsage { InputTokens = prompt, CachedInputTokens = prompt, OutputTokens = maxOutput }, ClaudeSonnet, 1));
    }

    [Fact]
    public void EstimateReservation_FixedPriceAndGroupRatio()
    {
        Assert.Equal(10_000, QuotaCalculator.EstimateReservation(100, 100, new ModelPrice { FixedPrice = 0.04 }, 0.5));
        Assert.Equal(0, QuotaCalculator.EstimateReservation(0, 0, Gpt4o, 1));
        Assert.Equal((long)Math.Ceiling((1000 + (100 * 4.0)) * 1.25 * 2), QuotaCalculator.EstimateReservation(1000, 100, Gpt4o, 2));
        Assert.Equal(QuotaCalculator.EstimateReservation(1000, 100, Gpt4o, 1), QuotaCalculator.EstimateReservation(1000, 100, DefaultModelPrices.Create()["gpt-4o"], 1));
    }
}
