using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>An OpenAI <c>image_url</c> (http(s) or data: URL).</summary>
public sealed class ChatImageUrl
{
    /// <summary>Gets or sets the <c>url</c> field.</summary>
    [JsonPropertyName("url")]
    public string? Url { get; set; }

    /// <summary>Gets or sets the <c>detail</c> field.</summary>
    [JsonPropertyName("detail")]
    public string? Detail { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
