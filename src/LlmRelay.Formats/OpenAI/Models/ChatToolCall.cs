using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>An OpenAI tool call.</summary>
public sealed class ChatToolCall
{
    /// <summary>Gets or sets the <c>index</c> field.</summary>
    [JsonPropertyName("index")]
    public int? Index { get; set; }

    /// <summary>Gets or sets the <c>id</c> field.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    /// <summary>Gets or sets the <c>type</c> field.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>Gets or sets the <c>function</c> field.</summary>
    [JsonPropertyName("function")]
    public ChatFunctionCall? Function { get; set; }

    /// <summary>Gets or sets the <c>extra_content</c> field.</summary>
    [JsonPropertyName("extra_content")]
    public JsonElement? ExtraContent { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
