using LlmRelay.Formats;
using LlmRelay.Selection;

namespace LlmRelay.Providers;

/// <summary>OpenAI and every OpenAI-compatible server (DeepSeek, OpenRouter, Groq, Mistral, xAI, vLLM, Ollama, ...).</summary>
internal sealed class OpenAIAdapter : ProviderAdapter
{
    public static readonly OpenAIAdapter Instance = new();

    public override WireFormat Format => WireFormat.OpenAIChat;

    public override bool Supports(RelayOperation operation) => true;

    public override Uri BuildUri(ChannelEntry channel, RelayOperation operation, string upstreamModel, bool stream) => channel.OperationUri(operation);

    public override void Authenticate(HttpRequestMessage request, string key) => SetBearer(request, key);

    public static string PathOf(RelayOperation operation) => operation switch
    {
        RelayOperation.Completions => "completions",
        RelayOperation.Responses => "responses",
        RelayOperation.ResponsesCompact => "responses/compact",
        RelayOperation.Embeddings => "embeddings",
        RelayOperation.ListModels => "models",
        _ => "chat/completions",
    };
}
