using LlmRelay.Formats;
using LlmRelay.Usage;

namespace LlmRelay.Core.Tests.Usage;

public sealed class QuotaCalculatorTests
{
    [Fact]
    public void Compute_RatioOne_IsOneQuotaPerToken() =>
        Assert.Equal(1500, QuotaCalculator.Compute(new TokenUsage { InputTokens = 1000, OutputTokens = 500 }));

    [Fact]
    public void Compute_AppliesCompletionModelAndGroupRatios() =>
        Assert.Equal((long)Math.Ceiling((1000 + (500 * 4.0)) * 2.5 * 0.5), QuotaCalculator.Compute(new TokenUsage { InputTokens = 1000, OutputTokens = 500 }, modelRatio: 2.5, completionRatio: 4, groupRatio: 0.5));

    [Fact]
    public void Compute_NoTokens_CostsNothing() =>
        Assert.Equal(0, QuotaCalculator.Compute(default));

    [Fact]
    public void Compute_TinyPositiveCost_RoundsUpToOne() =>
        Assert.Equal(1, QuotaCalculator.Compute(new TokenUsage { InputTokens = 1 }, modelRatio: 0.01));
}
