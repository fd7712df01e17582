using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Gemini.Models;

/// <summary>Gemini thinkingConfig.</summary>
internal sealed class GeminiThinkingConfig
{
    [JsonPropertyName("includeThoughts")]
    public bool? IncludeThoughts { get; set; }

    [JsonPropertyName("thinkingBudget")]
    public int? ThinkingBudget { get; set; }

    [JsonPropertyName("thinkingLevel")]
    public string? ThinkingLevel { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
