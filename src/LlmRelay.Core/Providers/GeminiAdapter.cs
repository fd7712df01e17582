using LlmRelay.Formats;
using LlmRelay.Selection;

namespace LlmRelay.Providers;

/// <summary>Google Gemini's native API: <c>{base}/v1beta/models/{model}:generateContent</c> (or <c>:streamGenerateContent?alt=sse</c>) with <c>x-goog-api-key</c>.</summary>
internal sealed class GeminiAdapter : ProviderAdapter
{
    public static readonly GeminiAdapter Instance = new();

    public override WireFormat Format => WireFormat.Gemini;

    public override string DefaultVersion => "v1beta";

    public override Uri BuildUri(ChannelEntry channel, RelayOperation operation, string upstreamModel, bool stream)
    {
        if (operation == RelayOperation.ListModels)
        {
            return UpstreamUrls.Combine(channel.BaseUrl, "models");
        }

        var model = upstreamModel.StartsWith("models/", StringComparison.Ordinal) ? upstreamModel["models/".Length..] : upstreamModel;
        return new Uri(string.Concat(channel.BaseUrl, "/models/", Uri.EscapeDataString(model), stream ? ":streamGenerateContent?alt=sse" : ":generateContent"), UriKind.Absolute);
    }

    public override void Authenticate(HttpRequestMessage request, string key)
    {
        if (key.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("x-goog-api-key", key);
        }
    }
}
