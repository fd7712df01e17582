using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.Pricing;

/// <summary>Validates <see cref="LlmRelayOptions.Pricing"/> at start and on reload: every ratio and fixed price finite and not negative.</summary>
internal sealed class PricingOptionsValidator : IValidateOptions<LlmRelayOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmRelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pricing = options.Pricing;
        if (pricing is null)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        foreach (var (model, price) in pricing.Models)
        {
            if (price is not null && ModelPricing.Validate(price) is { } bad)
            {
                failures.Add($"LlmRelay:Pricing:Models:{model}:{bad} must be a finite number, not negative.");
            }
        }

        foreach (var (group, ratio) in pricing.GroupRatios)
        {
            if (!ModelPricing.IsValidRatio(ratio))
            {
                failures.Add($"LlmRelay:Pricing:GroupRatios:{group} must be a finite number, not negative.");
            }
        }

        if (!ModelPricing.IsValidRatio(pricing.UnknownModelRatio))
        {
            failures.Add("LlmRelay:Pricing:UnknownModelRatio must be a finite number, not negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
