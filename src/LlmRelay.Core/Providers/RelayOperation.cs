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

    /// <summary>OpenAI <c>POST /v1/responses/compact</c>: passed through to OpenAI-format channels, else one summarisation chat turn (issue #16).</summary>
    ResponsesCompact,
}
