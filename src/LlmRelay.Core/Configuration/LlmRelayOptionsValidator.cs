using LlmRelay.Channels;
using Microsoft.Extensions.Options;

namespace LlmRelay.Configuration;

/// <summary>Validates <see cref="LlmRelayOptions"/> at start, naming the offending configuration key.</summary>
internal sealed class LlmRelayOptionsValidator : IValidateOptions<LlmRelayOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmRelayOptions options)
    {
        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Channels.Count; i++)
        {
            var channel = options.Channels[i];
            var prefix = $"LlmRelay:Channels:{i}";
            var isChatClient = string.Equals(channel.Type, ChannelTypes.ChatClient, StringComparison.OrdinalIgnoreCase);
            if (!Uri.TryCreate(channel.BaseUrl?.Trim(), UriKind.Absolute, out var uri)
                || (isChatClient ? uri.Scheme != "chatclient" : uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add(isChatClient
                    ? $"{prefix}:BaseUrl must be chatclient://{{name}}, naming a keyed IChatClient service."
                    : $"{prefix}:BaseUrl must be an absolute http(s) URL.");
            }
            else if (!isChatClient && new Providers.OutboundAddressPolicy(options.Outbound.AllowPrivateAddresses).CheckUrl(uri) is { } refused)
            {
                // A declared channel the policy refuses would fail every call; refusing to start says why at once.
                failures.Add($"{prefix}:BaseUrl is refused by the outbound address policy: {refused}");
            }

            if (!ChannelTypes.IsKnown(channel.Type ?? ""))
            {
                failures.Add($"{prefix}:Type '{channel.Type}' is not supported; use one of: {string.Join(", ", ChannelTypes.All)}.");
            }

            if (channel.Models.Count == 0 && channel.ModelMapping.Count == 0)
            {
                failures.Add($"{prefix}:Models must name at least one model.");
            }

            if (channel.Weight < 0)
            {
                failures.Add($"{prefix}:Weight must not be negative.");
            }

            foreach (var (timeout, key) in (ReadOnlySpan<(TimeSpan?, string)>)[(channel.ConnectTimeout, "ConnectTimeout"), (channel.FirstByteTimeout, "FirstByteTimeout"), (channel.IdleTimeout, "IdleTimeout")])
            {
                if (timeout is { } value && !IsValidTimeout(value))
                {
                    failures.Add($"{prefix}:{key} must be greater than zero and at most one day.");
                }
            }

            if (!names.Add(ConfigurationSynchronizer.ChannelName(channel, i)))
            {
                failures.Add($"{prefix}:Name '{channel.Name}' is used by another channel.");
            }
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Tokens.Count; i++)
        {
            var token = options.Tokens[i];
            var prefix = $"LlmRelay:Tokens:{i}";
            if (string.IsNullOrWhiteSpace(token.Key))
            {
                failures.Add($"{prefix}:Key is required.");
            }
            else if (!keys.Add(token.Key.Trim()))
            {
                failures.Add($"{prefix}:Key is used by another token.");
            }

            foreach (var entry in token.AllowIps)
            {
                if (!System.Net.IPNetwork.TryParse(entry?.Trim(), out _) && !System.Net.IPAddress.TryParse(entry?.Trim(), out _))
                {
                    failures.Add($"{prefix}:AllowIps entry '{entry}' is not an IP address or CIDR range.");
                }
            }

            if (token.RemainQuota < 0)
            {
                failures.Add($"{prefix}:RemainQuota must not be negative.");
            }
        }

        foreach (var (timeout, key) in (ReadOnlySpan<(TimeSpan, string)>)[(options.ConnectTimeout, "ConnectTimeout"), (options.FirstByteTimeout, "FirstByteTimeout"), (options.IdleTimeout, "IdleTimeout"), (options.UsageLogQueueWait, "UsageLogQueueWait")])
        {
            if (!IsValidTimeout(timeout))
            {
                failures.Add($"LlmRelay:{key} must be greater than zero and at most one day.");
            }
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add("LlmRelay:MaxAttempts must be at least 1.");
        }

        if (options.MaxRequestBodySize < 1 || options.MaxManagementRequestBodySize < 1)
        {
            failures.Add("LlmRelay:MaxRequestBodySize and LlmRelay:MaxManagementRequestBodySize must be at least 1 byte.");
        }

        foreach (var (pattern, model) in options.ModelFamilies)
        {
            if (!Selection.ModelFamilyPattern.IsValid(pattern))
            {
                failures.Add($"LlmRelay:ModelFamilies:{pattern} is not a family pattern: write a model-name prefix followed by one '*', such as 'claude-*'.");
            }
            else if (string.IsNullOrWhiteSpace(model))
            {
                failures.Add($"LlmRelay:ModelFamilies:{pattern} must name the model that serves the family.");
            }
        }

        if (options.AnthropicDefaultMaxTokens < 1)
        {
            failures.Add("LlmRelay:AnthropicDefaultMaxTokens must be at least 1.");
        }

        options.Cors.Validate("LlmRelay:Cors", failures);
        options.Health.Validate("LlmRelay:Health", failures);
        options.Concurrency.Validate("LlmRelay:Concurrency", failures);
        options.Quota.Validate("LlmRelay:Quota", failures);
        options.Tasks.Validate("LlmRelay:Tasks", failures);
        options.SessionAffinity.Validate("LlmRelay:SessionAffinity", failures);
        options.RateLimits.Validate("LlmRelay:RateLimits", failures);
        if (options.ResponseStoreTtl <= TimeSpan.Zero || options.ResponseStoreTtl > TimeSpan.FromDays(30))
        {
            failures.Add("LlmRelay:ResponseStoreTtl must be greater than zero and at most 30 days.");
        }

        if (options.Captures.Limit is < 1 or > 1000)
        {
            failures.Add("LlmRelay:Captures:Limit must be between 1 and 1000.");
        }

        if (options.Captures.MaxBodyBytes is < 0 or > 16 * 1024 * 1024)
        {
            failures.Add("LlmRelay:Captures:MaxBodyBytes must be between 0 and 16777216 (16 MiB).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Returns whether <paramref name="timeout"/> is usable as an upstream timeout: positive and at most one day.</summary>
    public static bool IsValidTimeout(TimeSpan timeout) => timeout > TimeSpan.Zero && timeout <= TimeSpan.FromDays(1);
}
