using LlmRelay.Formats;
using LlmRelay.Selection;

namespace LlmRelay.Providers;

/// <summary>Anthropic's native Messages API: <c>{base}/v1/messages</c> with <c>x-api-key</c> and <c>anthropic-version</c>.</summary>
internal sealed class AnthropicAdapter : ProviderAdapter
{
    public const string ApiVersion = "2023-06-01";

    public static readonly AnthropicAdapter Instance = new();

    public override WireFormat Format => WireFormat.Anthropic;

    public override Uri BuildUri(ChannelEntry channel, RelayOperation operation, string upstreamModel, bool stream) =>
        operation == RelayOperation.ListModels ? UpstreamUrls.Combine(channel.BaseUrl, "models") : channel.OperationUri(RelayOperation.Chat);

    public override void Authenticate(HttpRequestMessage request, string key)
    {
        if (key.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", key);
        }

        if (!request.Headers.Contains("anthropic-version"))
        {
            request.Headers.TryAddWithoutValidation("anthropic-version", ApiVersion); // unless the caller's own came through
        }
    }
}
