using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>OpenAI Chat Completions stream chunk.</summary>
public sealed class ChatCompletionChunk
{
    /// <summary>Gets or sets the <c>id</c> field.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    /// <summary>Gets or sets the <c>object</c> field.</summary>
    [JsonPropertyName("object")]
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Mirrors the wire field \"object\".")]
    public string? Object { get; set; }

    /// <summary>Gets or sets the <c>created</c> field.</summary>
    [JsonPropertyName("created")]
    public long Created { get; set; }

    /// <summary>Gets or sets the <c>model</c> field.</summary>
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    /// <summary>Gets or sets the <c>choices</c> field.</summary>
    [JsonPropertyName("choices")]
    public List<ChatChunkChoice>? Choices { get; set; }

    /// <summary>Gets or sets the <c>usage</c> field.</summary>
    [JsonPropertyName("usage")]
    public ChatUsage? Usage { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
