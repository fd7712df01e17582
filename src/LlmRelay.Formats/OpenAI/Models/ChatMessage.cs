using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>One OpenAI chat message (request or response).</summary>
public sealed class ChatMessage
{
    /// <summary>Gets or sets the <c>role</c> field.</summary>
    [JsonPropertyName("role")]
    public string? Role { get; set; }

    /// <summary>Gets or sets the <c>content</c> field.</summary>
    [JsonPropertyName("content")]
    public TextOrParts<ChatContentPart>? Content { get; set; }

    /// <summary>Gets or sets the <c>name</c> field.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>Gets or sets the <c>reasoning_content</c> field.</summary>
    [JsonPropertyName("reasoning_content")]
    public string? ReasoningContent { get; set; }

    /// <summary>Gets or sets the <c>refusal</c> field.</summary>
    [JsonPropertyName("refusal")]
    public string? Refusal { get; set; }

    /// <summary>Gets or sets the <c>tool_calls</c> field.</summary>
    [JsonPropertyName("tool_calls")]
    public List<ChatToolCall>? ToolCalls { get; set; }

    /// <summary>Gets or sets the <c>tool_call_id</c> field.</summary>
    [JsonPropertyName("tool_call_id")]
    public string? ToolCallId { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
