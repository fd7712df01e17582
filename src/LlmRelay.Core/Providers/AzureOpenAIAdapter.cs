using LlmRelay.Formats;
using LlmRelay.Selection;

namespace LlmRelay.Providers;

/// <summary>Azure OpenAI: <c>{endpoint}/openai/deployments/{model}/{path}?api-version=...</c> with an <c>api-key</c> header.</summary>
/// <remarks>
/// The channel's base URL is the resource endpoint, optionally with <c>?api-version=</c>; without one,
/// <see cref="DefaultApiVersion"/> is used. The upstream model name is the deployment name.
/// </remarks>
internal sealed class AzureOpenAIAdapter : ProviderAdapter
{
    public const string DefaultApiVersion = "2024-10-21";

    /// <summary>The api-version of a realtime session when the channel's own is not a preview version (Azure serves realtime only under preview versions).</summary>
    public const string RealtimeApiVersion = "2025-04-01-preview";

    public static readonly AzureOpenAIAdapter Instance = new();

    public override WireFormat Format => WireFormat.OpenAIChat;

    public override bool Supports(RelayOperation operation) => operation is not (RelayOperation.Responses or RelayOperation.ResponsesCompact or RelayOperation.Moderations or RelayOperation.Rerank);

    public override string NormalizeBaseUrl(string baseUrl)
    {
        var trimmed = baseUrl.Trim();
        var query = trimmed.IndexOf('?', StringComparison.Ordinal);
        var version = DefaultApiVersion;
        if (query >= 0)
        {
            foreach (var pair in trimmed[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                if (pair.StartsWith("api-version=", StringComparison.OrdinalIgnoreCase))
                {
                    version = Uri.UnescapeDataString(pair["api-version=".Length..]);
                }
            }

            trimmed = trimmed[..query];
        }

        trimmed = trimmed.TrimEnd('/');
        if (trimmed.EndsWith("/openai", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[..^"/openai".Length];
        }

        return trimmed + "?api-version=" + Uri.EscapeDataString(version);
    }

    public override Uri BuildUri(ChannelEntry channel, RelayOperation operation, string upstreamModel, bool stream)
    {
        var baseUrl = channel.BaseUrl;
        var query = baseUrl.IndexOf('?', StringComparison.Ordinal);
        if (operation == RelayOperation.ListModels)
        {
            return new Uri($"{baseUrl[..query]}/openai/models{baseUrl[query..]}", UriKind.Absolute);
        }

        if (operation == RelayOperation.Realtime)
        {
            // {endpoint}/openai/realtime?api-version=...&deployment=... (the deployment is a query parameter here, not a path segment).
            var version = baseUrl.Contains("preview", StringComparison.OrdinalIgnoreCase) ? baseUrl[query..] : "?api-version=" + RealtimeApiVersion;
            return new Uri($"{baseUrl[..query]}/openai/realtime{version}&deployment={Uri.EscapeDataString(upstreamModel)}", UriKind.Absolute);
        }

        return new Uri($"{baseUrl[..query]}/openai/deployments/{Uri.EscapeDataString(upstreamModel)}/{OpenAIAdapter.PathOf(operation)}{baseUrl[query..]}", UriKind.Absolute);
    }

    public override void Authenticate(HttpRequestMessage request, string key)
    {
        if (key.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("api-key", key);
        }
    }
}
