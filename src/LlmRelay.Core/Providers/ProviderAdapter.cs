using System.Net.Http.Headers;
using LlmRelay.Formats;
using LlmRelay.Selection;

namespace LlmRelay.Providers;

/// <summary>Speaks one upstream provider's HTTP dialect: its URLs, its authentication, its wire format.</summary>
/// <remarks>Stateless and thread-safe; one instance per channel type.</remarks>
internal abstract class ProviderAdapter
{
    /// <summary>Gets the wire format the upstream speaks.</summary>
    public abstract WireFormat Format { get; }

    /// <summary>Gets the version segment appended to a base URL that has none.</summary>
    public virtual string DefaultVersion => "v1";

    /// <summary>Returns whether the upstream can serve <paramref name="operation"/>.</summary>
    public virtual bool Supports(RelayOperation operation) => operation is RelayOperation.Chat or RelayOperation.ListModels;

    /// <summary>Builds the upstream URL.</summary>
    public abstract Uri BuildUri(ChannelEntry channel, RelayOperation operation, string upstreamModel, bool stream);

    /// <summary>Adds the upstream credentials to <paramref name="request"/>.</summary>
    public abstract void Authenticate(HttpRequestMessage request, string key);

    /// <summary>Normalises a channel's base URL for this provider.</summary>
    public virtual string NormalizeBaseUrl(string baseUrl) => UpstreamUrls.Normalize(baseUrl, DefaultVersion);

    /// <summary>Returns the adapter for a channel type.</summary>
    public static ProviderAdapter For(string channelType) => channelType.ToLowerInvariant() switch
    {
        Channels.ChannelTypes.Anthropic => AnthropicAdapter.Instance,
        Channels.ChannelTypes.Gemini => GeminiAdapter.Instance,
        Channels.ChannelTypes.Azure => AzureOpenAIAdapter.Instance,
        Channels.ChannelTypes.ChatClient => ChatClientAdapter.Instance,
        Channels.ChannelTypes.DeepSeek => OpenAIAdapter.DeepSeek,
        _ => OpenAIAdapter.Instance,
    };

    private protected static void SetBearer(HttpRequestMessage request, string key)
    {
        if (key.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }
}
