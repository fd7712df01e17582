using LlmRelay.Formats;
using LlmRelay.Selection;

namespace LlmRelay.Providers;

/// <summary>OpenAI and every OpenAI-compatible server (DeepSeek, OpenRouter, Groq, Mistral, xAI, vLLM, Ollama, ...).</summary>
internal sealed class OpenAIAdapter(bool responses = true) : ProviderAdapter
{
    public static readonly OpenAIAdapter Instance = new();

    /// <summary>DeepSeek: the OpenAI Chat Completions API without the Responses API, so Responses callers (Codex) are converted to Chat Completions (issue #16).</summary>
    public static readonly OpenAIAdapter DeepSeek = new(responses: false);

    public override WireFormat Format => WireFormat.OpenAIChat;

    public override bool Supports(RelayOperation operation) => responses || operation is not (RelayOperation.Responses or RelayOperation.ResponsesCompact);

    public override Uri BuildUri(ChannelEntry channel, RelayOperation operation, string upstreamModel, bool stream) => operation == RelayOperation.Realtime
        ? new Uri(channel.OperationUri(operation).OriginalString + "?model=" + Uri.EscapeDataString(upstreamModel), UriKind.Absolute) // {base}/v1/realtime?model=...
        : channel.OperationUri(operation);

    public override void Authenticate(HttpRequestMessage request, string key) => SetBearer(request, key);

    public static string PathOf(RelayOperation operation) => operation switch
    {
        RelayOperation.Completions => "completions",
        RelayOperation.Responses => "responses",
        RelayOperation.ResponsesCompact => "responses/compact",
        RelayOperation.Embeddings => "embeddings",
        RelayOperation.ListModels => "models",
        RelayOperation.ImageGenerations => "images/generations",
        RelayOperation.ImageEdits => "images/edits",
        RelayOperation.Moderations => "moderations",
        RelayOperation.Rerank => "rerank",
        RelayOperation.Realtime => "realtime",
        RelayOperation.VideoCreate => "videos",
        RelayOperation.AudioSpeech => "audio/speech",
        RelayOperation.AudioTranscriptions => "audio/transcriptions",
        RelayOperation.AudioTranslations => "audio/translations",
        _ => "chat/completions",
    };
}
