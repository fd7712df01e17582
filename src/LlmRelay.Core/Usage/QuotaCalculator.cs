using LlmRelay.Formats;
using LlmRelay.Pricing;

namespace LlmRelay.Usage;

/// <summary>Turns token usage into quota: 500,000 quota = 1 USD; a model ratio of 1 = 0.002 USD per 1K prompt tokens.</summary>
/// <remarks>
/// With <see cref="ModelPrice"/>, each bucket of the normalised <see cref="TokenUsage"/> is billed once:
/// <code>
///   InputTokens = uncached + CachedInputTokens + CacheCreationInputTokens    (Gemini tool-use prompt tokens
///                                                                            are part of uncached)
///   quota = ceil( ( uncached
///                 + CachedInputTokens        x CacheReadRatio
///                 + CacheCreationInputTokens x CacheWrite5mRatio   (the 1-hour part x CacheWrite1hRatio)
///                 + OutputTokens             x CompletionRatio )   (reasoning is inside OutputTokens)
///               x ModelRatio x groupRatio )
/// </code>
/// Zero usage costs 0; any positive cost is at least 1. Thread-safe (pure functions).
/// </remarks>
internal static class QuotaCalculator
{
    /// <summary>Quota units per US dollar.</summary>
    public const long QuotaPerUsd = 500_000;

    /// <summary>Bills input and output with plain ratios, cached tokens at the full prompt price (the pre-pricing-table overload).</summary>
    public static long Compute(in TokenUsage usage, double modelRatio = 1, double completionRatio = 1, double groupRatio = 1)
    {
        if (usage.InputTokens == 0 && usage.OutputTokens == 0)
        {
            return 0;
        }

        return ToQuota((usage.InputTokens + (usage.OutputTokens * completionRatio)) * modelRatio * groupRatio);
    }

    /// <summary>Bills usage at <paramref name="price"/>, each token bucket once at its own ratio, times <paramref name="groupRatio"/>.</summary>
    /// <param name="usage">The normalised usage reported by (or counted for) the upstream.</param>
    /// <param name="price">The model's price; a <see cref="ModelPrice.FixedPrice"/> bills the call and ignores <paramref name="usage"/>.</param>
    /// <param name="groupRatio">The caller's group ratio.</param>
    /// <remarks>
    /// <see cref="TokenUsage.CacheCreation1hInputTokens"/> of the cache-creation bucket are billed at the 1-hour
    /// write ratio, the rest at the 5-minute one.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="price"/> is <see langword="null"/>.</exception>
    public static long Compute(in TokenUsage usage, ModelPrice price, double groupRatio)
    {
        ArgumentNullException.ThrowIfNull(price);
        if (price.FixedPrice is { } fixedPrice)
        {
            return ToQuota(fixedPrice * QuotaPerUsd * groupRatio);
        }

        var cached = Math.Max(0, usage.CachedInputTokens);
        var creation = Math.Max(0, usage.CacheCreationInputTokens);
        var creation1h = Math.Clamp(usage.CacheCreation1hInputTokens, 0, creation);
        var uncached = Math.Max(0, usage.InputTokens - cached - creation);
        var output = Math.Max(0, usage.OutputTokens);
        if (uncached + cached + creation + output == 0)
        {
            return 0;
        }

        var tokens = uncached
            + (cached * price.CacheReadRatio)
            + ((creation - creation1h) * price.CacheWrite5mRatio)
            + (creation1h * price.CacheWrite1hRatio)
            + (output * price.CompletionRatio);
        return ToQuota(tokens * price.ModelRatio * groupRatio);
    }

    /// <summary>Returns a cheap upper bound on the cost of a call, to reserve before it is sent.</summary>
    /// <param name="estimatedPromptTokens">An upper bound on the prompt, e.g. <c>ITokenCounter.EstimateFromBytes(body.Length)</c>.</param>
    /// <param name="maxOutputTokens">The request's output limit (<c>max_tokens</c>, <c>max_completion_tokens</c>, <c>maxOutputTokens</c>), or the relay's default when the request sets none.</param>
    /// <param name="price">The model's price.</param>
    /// <param name="groupRatio">The caller's group ratio.</param>
    /// <remarks>
    /// Prompt tokens are priced at the dearest of the uncached, cache-read and 5-minute cache-write rates;
    /// 1-hour cache writes (opt-in per block) can exceed the bound and are settled from the real usage.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="price"/> is <see langword="null"/>.</exception>
    public static long EstimateReservation(int estimatedPromptTokens, int maxOutputTokens, ModelPrice price, double groupRatio)
    {
        ArgumentNullException.ThrowIfNull(price);
        if (price.FixedPrice is { } fixedPrice)
        {
            return ToQuota(fixedPrice * QuotaPerUsd * groupRatio);
        }

        var promptRate = Math.Max(1, Math.Max(price.CacheReadRatio, price.CacheWrite5mRatio));
        var tokens = (Math.Max(0, estimatedPromptTokens) * promptRate) + (Math.Max(0, maxOutputTokens) * price.CompletionRatio);
        return ToQuota(tokens * price.ModelRatio * groupRatio);
    }

    /// <summary>Bills <paramref name="units"/> at <paramref name="usdPerUnit"/>, times <paramref name="groupRatio"/> (images, calls, search units; issue #17).</summary>
    /// <param name="units">The units delivered; none cost 0.</param>
    /// <param name="usdPerUnit">The USD price of one unit (<see cref="ModelPrice.PriceOf"/>).</param>
    /// <param name="groupRatio">The caller's group ratio.</param>
    public static long ComputeUnits(long units, double usdPerUnit, double groupRatio) =>
        units <= 0 ? 0 : ToQuota(units * usdPerUnit * QuotaPerUsd * groupRatio);

    private static long ToQuota(double quota)
    {
        if (!(quota > 0))
        {
            return 0;
        }

        // Round away floating-point noise first, so 1000 x 0.1 x 1.25 bills 125, not 126.
        var rounded = Math.Ceiling(Math.Round(quota, 6, MidpointRounding.AwayFromZero));
        return rounded >= long.MaxValue ? long.MaxValue : Math.Max(1, (long)rounded);
    }
}
