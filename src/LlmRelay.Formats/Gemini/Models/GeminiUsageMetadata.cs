using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Gemini.Models;

/// <summary>Gemini usageMetadata (candidates exclude thoughts; tool-use prompt tokens separate).</summary>
internal sealed class GeminiUsageMetadata
{
    [JsonPropertyName("promptTokenCount")]
    public long? PromptTokenCount { get; set; }

    [JsonPropertyName("candidatesTokenCount")]
    public long? CandidatesTokenCount { get; set; }

    [JsonPropertyName("totalTokenCount")]
    public long? TotalTokenCount { get; set; }

    [JsonPropertyName("cachedContentTokenCount")]
    public long? CachedContentTokenCount { get; set; }

    [JsonPropertyName("toolUsePromptTokenCount")]
    public long? ToolUsePromptTokenCount { get; set; }

    [JsonPropertyName("thoughtsTokenCount")]
    public long? ThoughtsTokenCount { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
