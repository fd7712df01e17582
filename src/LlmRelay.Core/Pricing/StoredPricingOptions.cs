using System.Text.Json;
using LlmRelay.Storage;

namespace LlmRelay.Pricing;

/// <summary>
/// The pricing options the management API stores (<c>ModelRatio</c>, <c>CompletionRatio</c>, <c>GroupRatio</c>, each a JSON
/// object of name to ratio), applied to <see cref="ModelPricing"/>: at start from the option store, and on every change.
/// </summary>
/// <remarks>Thread-safe. The relay reads prices from <see cref="ModelPricing"/>'s snapshot only, never from the database.</remarks>
public static class StoredPricingOptions
{
    /// <summary>The option holding model ratios by model name.</summary>
    public const string ModelRatio = "ModelRatio";

    /// <summary>The option holding completion ratios by model name.</summary>
    public const string CompletionRatio = "CompletionRatio";

    /// <summary>The option holding group ratios by group name.</summary>
    public const string GroupRatio = "GroupRatio";

    /// <summary>Returns whether <paramref name="key"/> is one of the pricing options.</summary>
    public static bool IsPricingOption(string key) => key is ModelRatio or CompletionRatio or GroupRatio;

    /// <summary>Applies the stored pricing options to <paramref name="pricing"/>; an option not stored (or not valid) counts as empty.</summary>
    /// <param name="pricing">The price table.</param>
    /// <param name="valueOf">Returns an option's stored value, or <see langword="null"/>.</param>
    public static void Apply(ModelPricing pricing, Func<string, string?> valueOf)
    {
        ArgumentNullException.ThrowIfNull(pricing);
        ArgumentNullException.ThrowIfNull(valueOf);
        pricing.SetRatioOptions(Parse(valueOf(ModelRatio)), Parse(valueOf(CompletionRatio)));
        pricing.SetGroupRatios(Parse(valueOf(GroupRatio)));
    }

    /// <summary>Reads the pricing options from <paramref name="store"/> and applies them.</summary>
    internal static async Task LoadAsync(ModelPricing pricing, IOptionStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stored = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in stored)
        {
            if (IsPricingOption(option.Key))
            {
                values[option.Key] = option.Value;
            }
        }

        Apply(pricing, key => values.GetValueOrDefault(key));
    }

    // A JSON object of finite, non-negative numbers; anything else (already refused by the management API) is skipped.
    private static Dictionary<string, double> Parse(string? json)
    {
        var ratios = new Dictionary<string, double>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return ratios;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ratios;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetDouble(out var ratio) && ModelPricing.IsValidRatio(ratio) && property.Name.Length > 0)
                {
                    ratios[property.Name] = ratio;
                }
            }
        }
        catch (JsonException)
        {
        }

        return ratios;
    }
}
