using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>OpenAI prompt token details.</summary>
public sealed class ChatPromptTokensDetails
{
    /// <summary>Gets or sets the <c>cached_tokens</c> field.</summary>
    [JsonPropertyName("cached_tokens")]
    public long? CachedTokens { get; set; }

    /// <summary>Gets or sets the <c>audio_tokens</c> field.</summary>
    [JsonPropertyName("audio_tokens")]
    public long? AudioTokens { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
