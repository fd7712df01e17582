namespace LlmRelay.Channels;

/// <summary>The names of the channel types LlmRelay understands.</summary>
public static class ChannelTypes
{
    /// <summary>OpenAI, or any server that speaks the OpenAI API (DeepSeek, vLLM, Ollama, Groq, ...).</summary>
    public const string OpenAI = "openai";

    /// <summary>Azure OpenAI Service (deployment URLs and an <c>api-version</c>).</summary>
    public const string Azure = "azure";

    /// <summary>Anthropic's native Messages API.</summary>
    public const string Anthropic = "anthropic";

    /// <summary>Google Gemini's native generateContent API.</summary>
    public const string Gemini = "gemini";

    /// <summary>DeepSeek (OpenAI-compatible).</summary>
    public const string DeepSeek = "deepseek";

    /// <summary>An in-process <c>Microsoft.Extensions.AI.IChatClient</c> registered as a keyed service; the base URL is <c>chatclient://{key}</c>.</summary>
    public const string ChatClient = "chat-client";

    /// <summary>Gets every channel type name LlmRelay accepts.</summary>
    public static IReadOnlyList<string> All { get; } = [OpenAI, Azure, Anthropic, Gemini, DeepSeek, "openai-compatible", ChatClient];

    /// <summary>Returns whether <paramref name="type"/> is one of <see cref="All"/> (case-insensitive).</summary>
    /// <param name="type">A channel type name.</param>
    /// <returns><see langword="true"/> for a known type.</returns>
    public static bool IsKnown(string type) => All.Contains(type, StringComparer.OrdinalIgnoreCase);

    /// <summary>Returns whether <paramref name="type"/> speaks the OpenAI Chat Completions wire format upstream.</summary>
    /// <param name="type">A channel type name.</param>
    /// <returns><see langword="true"/> for OpenAI-compatible channel types.</returns>
    public static bool IsOpenAICompatible(string type) =>
        string.Equals(type, OpenAI, StringComparison.OrdinalIgnoreCase)
        || string.Equals(type, DeepSeek, StringComparison.OrdinalIgnoreCase)
        || string.Equals(type, "openai-compatible", StringComparison.OrdinalIgnoreCase);
}
