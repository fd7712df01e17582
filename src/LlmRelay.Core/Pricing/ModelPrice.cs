namespace LlmRelay.Pricing;

/// <summary>The price of one model, as ratios on the gateway's quota scale, or as a fixed price per call.</summary>
/// <remarks>
/// <para>
/// Quota conventions: 500,000 quota = 1 USD, and a <see cref="ModelRatio"/> of 1 means 0.002 USD per 1K
/// prompt tokens (2 USD per 1M), so <c>ModelRatio = input USD per 1M tokens / 2</c> and one prompt token
/// at ratio 1 costs one quota. Every other ratio is a multiplier on <see cref="ModelRatio"/>:
/// </para>
/// <code>
///   uncached prompt tokens  x ModelRatio
///   cache-read tokens       x ModelRatio x CacheReadRatio
///   cache-write tokens      x ModelRatio x CacheWrite5mRatio (or CacheWrite1hRatio)
///   completion tokens       x ModelRatio x CompletionRatio     (reasoning included)
///   ------------------------------------------------------------------------------
///   sum x group ratio, rounded up          (or FixedPrice x 500,000 x group ratio per call)
///
///   a model billed by another Unit (images, calls, search units):
///   units x UnitPrices[variant] (else UnitPrice) x 500,000 x group ratio, rounded up
/// </code>
/// <para>Instances are immutable and safe to share between threads.</para>
/// </remarks>
public sealed record ModelPrice
{
    /// <summary>Gets the price of a prompt token relative to 0.002 USD per 1K tokens.</summary>
    /// <value>The default value is 1 (2 USD per 1M prompt tokens).</value>
    public double ModelRatio { get; init; } = 1;

    /// <summary>Gets the price of a completion token (reasoning included) as a multiple of the prompt price.</summary>
    /// <value>The default value is 1.</value>
    public double CompletionRatio { get; init; } = 1;

    /// <summary>Gets the price of a prompt token served from the provider's cache, as a multiple of the prompt price.</summary>
    /// <remarks>Typical values: 0.5 (OpenAI gpt-4o, o1), 0.25 (gpt-4.1, o3, o4-mini), 0.1 (gpt-5, Anthropic, Gemini 2.5).</remarks>
    /// <value>The default value is 1 (no discount), so a model priced without cache information is never under-billed.</value>
    public double CacheReadRatio { get; init; } = 1;

    /// <summary>Gets the price of a prompt token written to a 5-minute cache (Anthropic cache creation), as a multiple of the prompt price.</summary>
    /// <value>The default value is 1.25 (Anthropic's published multiplier).</value>
    public double CacheWrite5mRatio { get; init; } = 1.25;

    /// <summary>Gets the price of a prompt token written to a 1-hour cache (Anthropic cache creation), as a multiple of the prompt price.</summary>
    /// <value>The default value is 2 (Anthropic's published multiplier).</value>
    public double CacheWrite1hRatio { get; init; } = 2;

    /// <summary>Gets the price of one call in USD; when set, token usage is ignored and the ratios are unused.</summary>
    /// <remarks>For per-call models (image generation, search, ...). Multiplied by the group ratio like any other price.</remarks>
    /// <value>The default value is <see langword="null"/> (priced by tokens).</value>
    public double? FixedPrice { get; init; }

    /// <summary>Gets the unit the model is billed by (issue #17).</summary>
    /// <remarks>
    /// With a unit other than <see cref="BillingUnit.Token"/>, a call of the matching family (images, moderations, rerank) is
    /// billed <c>units x unit price x 500,000 x group ratio</c>; the unit price is the <see cref="UnitPrices"/> entry of the
    /// call's variant, else <see cref="UnitPrice"/>. A call whose unit has no price falls back to its tokens.
    /// </remarks>
    /// <value>The default value is <see cref="BillingUnit.Token"/>.</value>
    public BillingUnit Unit { get; init; }

    /// <summary>Gets the price of one unit in USD, for a variant <see cref="UnitPrices"/> does not list.</summary>
    /// <value>The default value is <see langword="null"/> (no per-unit price).</value>
    public double? UnitPrice { get; init; }

    /// <summary>Gets the price of one unit in USD per variant: for images <c>size/quality</c> (<c>1024x1024/hd</c>), <c>size</c> or <c>quality</c>, tried in that order.</summary>
    /// <value>The default value is empty.</value>
    public IDictionary<string, double> UnitPrices { get; init; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns whether <paramref name="other"/> is the same price: the same ratios, fixed price, unit and unit prices (by content).</summary>
    /// <param name="other">The price to compare with.</param>
    /// <returns><see langword="true"/> when every part of both prices is equal.</returns>
    public bool Equals(ModelPrice? other) =>
        other is not null
        && ModelRatio.Equals(other.ModelRatio) && CompletionRatio.Equals(other.CompletionRatio) && CacheReadRatio.Equals(other.CacheReadRatio)
        && CacheWrite5mRatio.Equals(other.CacheWrite5mRatio) && CacheWrite1hRatio.Equals(other.CacheWrite1hRatio)
        && Nullable.Equals(FixedPrice, other.FixedPrice) && Unit == other.Unit && Nullable.Equals(UnitPrice, other.UnitPrice)
        && UnitPrices.Count == other.UnitPrices.Count
        && UnitPrices.All(p => other.UnitPrices.TryGetValue(p.Key, out var value) && value.Equals(p.Value));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ModelRatio, CompletionRatio, CacheReadRatio, CacheWrite5mRatio, CacheWrite1hRatio, FixedPrice, Unit, UnitPrice);

    /// <summary>Returns the USD price of one <paramref name="unit"/> of <paramref name="variant"/>, or <see langword="null"/> when the model is not billed by that unit.</summary>
    /// <param name="unit">The unit the call counted.</param>
    /// <param name="variant">The call's variant (<c>size/quality</c> for images), or <see langword="null"/>.</param>
    /// <returns>The unit price, or <see langword="null"/>.</returns>
    public double? PriceOf(BillingUnit unit, string? variant)
    {
        if (unit == BillingUnit.Token || unit != Unit)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(variant) && UnitPrices.Count > 0)
        {
            if (UnitPrices.TryGetValue(variant, out var exact))
            {
                return exact;
            }

            var slash = variant.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && (UnitPrices.TryGetValue(variant[..slash], out var bySize) || UnitPrices.TryGetValue(variant[(slash + 1)..], out bySize)))
            {
                return bySize;
            }
        }

        return UnitPrice ?? FixedPrice;
    }
}
