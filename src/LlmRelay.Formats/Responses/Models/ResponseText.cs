using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Responses.Models;

/// <summary>Responses text configuration.</summary>
internal sealed class ResponseText
{
    [JsonPropertyName("format")]
    public ResponseTextFormat? Format { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
