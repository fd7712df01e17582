namespace LlmRelay.Formats.PassThrough;

/// <summary>The request body shapes the relay validates before routing.</summary>
public enum RequestShape
{
    /// <summary>OpenAI Chat Completions: <c>model</c> and a non-empty <c>messages</c> array.</summary>
    OpenAIChat,

    /// <summary>OpenAI legacy Completions: <c>model</c> and <c>prompt</c>.</summary>
    OpenAICompletions,

    /// <summary>OpenAI Responses: <c>model</c> and <c>input</c>.</summary>
    OpenAIResponses,

    /// <summary>OpenAI Embeddings: <c>model</c> (or from the URL) and <c>input</c>.</summary>
    OpenAIEmbeddings,

    /// <summary>Anthropic Messages: <c>model</c> and a non-empty <c>messages</c> array; <c>max_tokens</c> may be omitted (the relay writes its default), not set to <see langword="null"/>.</summary>
    AnthropicMessages,

    /// <summary>Anthropic count_tokens: <c>model</c> and a non-empty <c>messages</c> array.</summary>
    AnthropicCountTokens,

    /// <summary>Gemini generateContent: the model is in the URL; a non-empty <c>contents</c> array.</summary>
    Gemini,
}
