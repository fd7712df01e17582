using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>An OpenAI content part (text, image_url, input_audio, file).</summary>
public sealed class ChatContentPart
{
    /// <summary>Gets or sets the <c>type</c> field.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>Gets or sets the <c>text</c> field.</summary>
    [JsonPropertyName("text")]
    public string? Text { get; set; }

    /// <summary>Gets or sets the <c>image_url</c> field.</summary>
    [JsonPropertyName("image_url")]
    public ChatImageUrl? ImageUrl { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
