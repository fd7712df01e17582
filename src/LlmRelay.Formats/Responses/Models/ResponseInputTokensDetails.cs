using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Responses.Models;

/// <summary>Responses input token details.</summary>
internal sealed class ResponseInputTokensDetails
{
    [JsonPropertyName("cached_tokens")]
    public long CachedTokens { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
