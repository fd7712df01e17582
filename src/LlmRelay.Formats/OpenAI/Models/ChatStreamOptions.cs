using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>OpenAI <c>stream_options</c>.</summary>
public sealed class ChatStreamOptions
{
    /// <summary>Gets or sets the <c>include_usage</c> field.</summary>
    [JsonPropertyName("include_usage")]
    public bool? IncludeUsage { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
