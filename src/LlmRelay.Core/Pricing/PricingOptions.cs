namespace LlmRelay.Pricing;

/// <summary>Price overrides and group ratios, bound from the <c>LlmRelay:Pricing</c> configuration section.</summary>
/// <remarks>
/// <para>
/// The gateway ships a default table of list prices for common OpenAI, Anthropic, Gemini and DeepSeek
/// models. An entry in <see cref="Models"/> replaces the default entry of the same name as a whole
/// (properties left out take the <see cref="ModelPrice"/> defaults, not the default table's values), and
/// also matches dated variants by prefix, like the built-in names do:
/// </para>
/// <code>
/// "LlmRelay": { "Pricing": {
///   "Models": { "gpt-4o": { "ModelRatio": 1.25, "CompletionRatio": 4, "CacheReadRatio": 0.5 },
///               "dall-e-3": { "FixedPrice": 0.04 } },
///   "GroupRatios": { "vip": 0.8 },
///   "UnknownModelRatio": 1 } }
/// </code>
/// <para>Changes to the section are applied without a restart.</para>
/// </remarks>
public sealed class PricingOptions
{
    /// <summary>Gets the model prices that replace or extend the default table, keyed by model name or name prefix (case-insensitive).</summary>
    /// <value>The default value is empty.</value>
    public IDictionary<string, ModelPrice> Models { get; init; } = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the price multipliers per user group; a group not listed pays ratio 1.</summary>
    /// <value>The default value is empty.</value>
    public IDictionary<string, double> GroupRatios { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>Gets or sets the model ratio used for a model that is neither in the default table nor overridden.</summary>
    /// <remarks>
    /// new-api refuses unpriced models; LlmRelay serves them at this ratio (completion ratio 1, no cache
    /// discount) so a newly released model works before its price is configured. The default prices such
    /// a model like a mid-range one (2 USD per 1M tokens in and out), which may under-bill a premium model:
    /// configure its price, raise this value, or refuse unknown models with
    /// <c>ModelPricing.TryResolve</c>.
    /// </remarks>
    /// <value>The default value is 1.</value>
    public double UnknownModelRatio { get; set; } = 1;
}
