using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Formats;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Pipeline;
using LlmRelay.Providers;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Describes one caller-facing relay API: how its body is validated, what it asks upstream, how it reports errors.</summary>
internal sealed class InboundRoute
{
    public static readonly InboundRoute OpenAIChat = new("chat", RequestShape.OpenAIChat, RelayOperation.Chat, WireFormat.OpenAIChat, RelayErrorWriter.OpenAI);

    public static readonly InboundRoute OpenAICompletions = new("completions", RequestShape.OpenAICompletions, RelayOperation.Completions, WireFormat.OpenAIChat, RelayErrorWriter.OpenAI);

    public static readonly InboundRoute OpenAIResponses = new("responses", RequestShape.OpenAIResponses, RelayOperation.Responses, WireFormat.OpenAIResponses, RelayErrorWriter.OpenAI);

    /// <summary><c>POST /v1/responses/compact</c> (issue #16): passed through to OpenAI channels, else one summarisation turn (<see cref="ResponsesCompaction"/>).</summary>
    public static readonly InboundRoute OpenAIResponsesCompact = new("responses/compact", RequestShape.OpenAIResponses, RelayOperation.ResponsesCompact, WireFormat.OpenAIResponses, RelayErrorWriter.OpenAI);

    public static readonly InboundRoute OpenAIEmbeddings = new("embeddings", RequestShape.OpenAIEmbeddings, RelayOperation.Embeddings, WireFormat.OpenAIChat, RelayErrorWriter.OpenAI);

    // Billed by their own units (issue #17); their bodies are read by UnitRequestReader, not by the chat reader (Shape is unused).
    public static readonly InboundRoute OpenAIImageGenerations = new("images/generations", RequestShape.OpenAIChat, RelayOperation.ImageGenerations, WireFormat.OpenAIChat, RelayErrorWriter.OpenAI);

    public static readonly InboundRoute OpenAIImageEdits = new("images/edits", RequestShape.OpenAIChat, RelayOperation.ImageEdits, WireFormat.OpenAIChat, RelayErrorWriter.OpenAI);

    public static readonly InboundRoute OpenAIModerations = new("moderations", RequestShape.OpenAIChat, RelayOperation.Moderations, WireFormat.OpenAIChat, RelayErrorWriter.OpenAI);

    public static readonly InboundRoute OpenAISpeech = new("audio/speech", RequestShape.OpenAIChat, RelayOperation.AudioSpeech, WireFormat.OpenAIChat, RelayErrorWriter.OpenAI);

    public static readonly InboundRoute OpenAITranscriptions = new("audio/transcriptions", RequestShape.OpenAIChat, RelayOperation.AudioTranscriptions, WireFormat.OpenAIChat, RelayErrorWriter.OpenAI);

    public static readonly InboundRoute OpenAITranslations = new("audio/translations", RequestShape.OpenAIChat, RelayOperation.AudioTranslations, WireFormat.OpenAIChat, RelayErrorWriter.OpenAI);

    public static readonly InboundRoute Rerank = new("rerank", RequestShape.OpenAIChat, RelayOperation.Rerank, WireFormat.OpenAIChat, RelayErrorWriter.OpenAI);

    public static readonly InboundRoute AnthropicMessages = new("messages", RequestShape.AnthropicMessages, RelayOperation.Chat, WireFormat.Anthropic, RelayErrorWriter.Anthropic);

    public static readonly InboundRoute Gemini = new("generateContent", RequestShape.Gemini, RelayOperation.Chat, WireFormat.Gemini, RelayErrorWriter.Gemini);

    /// <summary>Gemini's <c>streamGenerateContent</c> without <c>alt=sse</c>: the answer is one streamed JSON array, errors before it are wrapped in an array too (issue #16).</summary>
    public static readonly InboundRoute GeminiJsonArray = new("streamGenerateContent", RequestShape.Gemini, RelayOperation.Chat, WireFormat.Gemini, RelayErrorWriter.GeminiJsonArray) { StreamsJsonArray = true };

    private InboundRoute(string name, RequestShape shape, RelayOperation operation, WireFormat format, RelayErrorWriter errors)
    {
        Name = name;
        Shape = shape;
        Operation = operation;
        Format = format;
        Errors = errors;
    }

    public string Name { get; }

    public RequestShape Shape { get; }

    public RelayOperation Operation { get; }

    /// <summary>Gets the caller's wire format, the source or target of conversions.</summary>
    public WireFormat Format { get; }

    public RelayErrorWriter Errors { get; }

    /// <summary>Gets whether a streamed answer is Gemini's streamed JSON array rather than SSE.</summary>
    public bool StreamsJsonArray { get; private init; }

    /// <summary>Gets whether the route asks OpenAI-format upstreams for <c>stream_options.include_usage</c>.</summary>
    public bool AsksForStreamUsage => Operation is RelayOperation.Chat or RelayOperation.Completions && Format == WireFormat.OpenAIChat;
}
