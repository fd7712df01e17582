namespace LlmRelay.Providers;

/// <summary>What a relayed call asks the upstream to do.</summary>
public enum RelayOperation
{
    /// <summary>A chat turn: Chat Completions, Messages or generateContent depending on the channel.</summary>
    Chat,

    /// <summary>OpenAI legacy Completions (OpenAI-format channels only).</summary>
    Completions,

    /// <summary>OpenAI Responses, passed through to OpenAI-format channels.</summary>
    Responses,

    /// <summary>OpenAI Embeddings (OpenAI-format channels only).</summary>
    Embeddings,

    /// <summary>The upstream's model list (a GET, in the family's own dialect): the management API's model fetch, never relayed.</summary>
    ListModels,

    /// <summary>OpenAI Images generations (<c>images/generations</c>): OpenAI-format channels pass it through, Gemini channels serve it as a generateContent turn asking for an image (issue #17).</summary>
    ImageGenerations,

    /// <summary>OpenAI Images edits (<c>images/edits</c>, a multipart upload): OpenAI-format channels, passed through, or Gemini image models, converted.</summary>
    ImageEdits,

    /// <summary>OpenAI Moderations, OpenAI channels only (not Azure).</summary>
    Moderations,

    /// <summary>Rerank in the Cohere/Jina shape (<c>rerank</c>), OpenAI-compatible channels only (not Azure).</summary>
    Rerank,

    /// <summary>An OpenAI Realtime session (<c>GET /v1/realtime</c> upgraded to a WebSocket), proxied both ways (OpenAI and Azure channels).</summary>
    Realtime,

    /// <summary>An asynchronous video task created with OpenAI's Videos API (<c>POST /videos</c>), OpenAI-format channels only (issue #17).</summary>
    /// <remarks>The task's polling and its content download are GETs to the same channel through <see cref="Pipeline.UpstreamSender"/>.</remarks>
    VideoCreate,

    /// <summary>OpenAI <c>POST /v1/responses/compact</c>: passed through to OpenAI-format channels, else one summarisation chat turn (issue #16).</summary>
    ResponsesCompact,

    /// <summary>OpenAI <c>audio/speech</c> (text to speech): the JSON body passed through, the binary audio streamed back as it arrives (OpenAI and Azure channels).</summary>
    AudioSpeech,

    /// <summary>OpenAI <c>audio/transcriptions</c> (a multipart upload), passed through (OpenAI and Azure channels).</summary>
    AudioTranscriptions,

    /// <summary>OpenAI <c>audio/translations</c> (a multipart upload, translated to English), passed through (OpenAI and Azure channels).</summary>
    AudioTranslations,
}
