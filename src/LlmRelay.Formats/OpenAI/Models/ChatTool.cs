using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>An OpenAI tool definition.</summary>
public sealed class ChatTool
{
    /// <summary>Gets or sets the <c>type</c> field.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>Gets or sets the <c>function</c> field.</summary>
    [JsonPropertyName("function")]
    public ChatFunctionDefinition? Function { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
