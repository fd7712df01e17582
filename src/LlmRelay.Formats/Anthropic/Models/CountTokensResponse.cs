using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Anthropic.Models;

/// <summary>Anthropic count_tokens response.</summary>
internal sealed class CountTokensResponse
{
    [JsonPropertyName("input_tokens")]
    public long InputTokens { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
