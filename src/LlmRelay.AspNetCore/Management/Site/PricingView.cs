namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>The price the relay charges for one model: quota type (0 per token, 1 per call or unit), ratios or fixed USD price, and the groups whose channels serve it.</summary>
/// <remarks>
/// A model billed by a unit other than tokens (issue #17) also shows <c>billing_unit</c> (<c>image</c>, <c>call</c>,
/// <c>search_unit</c>), <c>unit_price</c> (USD per unit) and <c>unit_prices</c> (USD per variant, such as <c>1024x1024/hd</c>);
/// its <c>quota_type</c> is 1 and <c>model_price</c> its unit price, as new-api shows per-call models.
/// </remarks>
internal sealed record PricingView(string ModelName, int QuotaType, double ModelRatio, double CompletionRatio, double? ModelPrice, IReadOnlyList<string> EnableGroups)
{
    public string? BillingUnit { get; init; }

    public double? UnitPrice { get; init; }

    public IReadOnlyDictionary<string, double>? UnitPrices { get; init; }

    public static PricingView Of(string model, LlmRelay.Pricing.ModelPrice price, IReadOnlyList<string> groups)
    {
        if (price.Unit == LlmRelay.Pricing.BillingUnit.Token)
        {
            return new PricingView(model, price.FixedPrice is null ? 0 : 1, price.ModelRatio, price.CompletionRatio, price.FixedPrice, groups);
        }

        var unitPrice = price.UnitPrice ?? price.FixedPrice;
        return new PricingView(model, 1, price.ModelRatio, price.CompletionRatio, unitPrice, groups)
        {
            BillingUnit = LlmRelay.Usage.UsageDetails.UnitName(price.Unit),
            UnitPrice = unitPrice,
            UnitPrices = price.UnitPrices.Count == 0 ? null : new SortedDictionary<string, double>(price.UnitPrices, StringComparer.Ordinal),
        };
    }
}
