using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>An OpenAI function definition.</summary>
public sealed class ChatFunctionDefinition
{
    /// <summary>Gets or sets the <c>name</c> field.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>Gets or sets the <c>description</c> field.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; set; }

    /// <summary>Gets or sets the <c>parameters</c> field.</summary>
    [JsonPropertyName("parameters")]
    public JsonElement? Parameters { get; set; }

    /// <summary>Gets or sets the <c>strict</c> field.</summary>
    [JsonPropertyName("strict")]
    public bool? Strict { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
