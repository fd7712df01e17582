using LlmRelay.Configuration;
using LlmRelay.Formats.Conversion;
using Microsoft.Extensions.Options;

namespace LlmRelay.Pricing;

/// <summary>Validates <see cref="LlmRelayOptions.ModelCapabilities"/> at start and on reload: output limits positive, reasoning a known value.</summary>
internal sealed class ModelCapabilityOptionsValidator : IValidateOptions<LlmRelayOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmRelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ModelCapabilities is not { } capabilities)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        Check(failures, "LlmRelay:ModelCapabilities:Models", capabilities.Models);
        foreach (var (channel, models) in capabilities.Channels)
        {
            Check(failures, $"LlmRelay:ModelCapabilities:Channels:{channel}", models);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string section, IDictionary<string, ModelCapability>? models)
    {
        foreach (var (model, capability) in models ?? new Dictionary<string, ModelCapability>())
        {
            if (capability is null)
            {
                continue;
            }

            if (capability.MaxOutputTokens < 1)
            {
                failures.Add($"{section}:{model}:MaxOutputTokens must be at least 1.");
            }

            if (capability.DefaultOutputTokens < 1)
            {
                failures.Add($"{section}:{model}:DefaultOutputTokens must be at least 1.");
            }

            if (!Enum.IsDefined(capability.Reasoning))
            {
                failures.Add($"{section}:{model}:Reasoning must be one of {string.Join(", ", Enum.GetNames<ReasoningControl>())}.");
            }
        }
    }
}
