using LlmRelay.Configuration;
using Microsoft.Extensions.Options;

namespace LlmRelay.Selection;

/// <summary>Fails start-up when <c>LlmRelay:Selection</c> names a policy that is not registered.</summary>
internal sealed class ChannelSelectionOptionsValidator(IEnumerable<IChannelSelectionPolicy> policies) : IValidateOptions<LlmRelayOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmRelayOptions options)
    {
        var known = new HashSet<string>(policies.Select(static p => p.Name), StringComparer.OrdinalIgnoreCase);
        var failures = new List<string>();
        var selection = options.Selection;
        if (!known.Contains(selection.Policy?.Trim() ?? ""))
        {
            failures.Add($"LlmRelay:Selection:Policy '{selection.Policy}' is not a registered selection policy; use one of: {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
        }

        foreach (var (group, policy) in selection.Groups)
        {
            if (!known.Contains(policy?.Trim() ?? ""))
            {
                failures.Add($"LlmRelay:Selection:Groups:{group} '{policy}' is not a registered selection policy; use one of: {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
