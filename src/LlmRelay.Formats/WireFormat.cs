namespace LlmRelay.Formats;

/// <summary>The API families the gateway speaks and converts between.</summary>
public enum WireFormat
{
    /// <summary>OpenAI Chat Completions (<c>/v1/chat/completions</c>).</summary>
    OpenAIChat,

    /// <summary>OpenAI Responses (<c>/v1/responses</c>).</summary>
    OpenAIResponses,

    /// <summary>Anthropic Messages (<c>/v1/messages</c>).</summary>
    Anthropic,

    /// <summary>Gemini generateContent / streamGenerateContent.</summary>
    Gemini,
}
