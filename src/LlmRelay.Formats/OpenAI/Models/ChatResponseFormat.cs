using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>OpenAI <c>response_format</c>.</summary>
public sealed class ChatResponseFormat
{
    /// <summary>Gets or sets the <c>type</c> field.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>Gets or sets the <c>json_schema</c> field.</summary>
    [JsonPropertyName("json_schema")]
    public ChatJsonSchema? JsonSchema { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
