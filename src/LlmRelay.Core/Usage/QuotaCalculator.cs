using LlmRelay.Formats;

namespace LlmRelay.Usage;

/// <summary>Turns token usage into quota: 500,000 quota = 1 USD; a model ratio of 1 = 0.002 USD per 1K prompt tokens.</summary>
internal static class QuotaCalculator
{
    public static long Compute(in TokenUsage usage, double modelRatio = 1, double completionRatio = 1, double groupRatio = 1)
    {
        if (usage.InputTokens == 0 && usage.OutputTokens == 0)
        {
            return 0;
        }

        var quota = (usage.InputTokens + (usage.OutputTokens * completionRatio)) * modelRatio * groupRatio;
        return quota <= 0 ? 0 : Math.Max(1, (long)Math.Ceiling(quota));
    }
}
