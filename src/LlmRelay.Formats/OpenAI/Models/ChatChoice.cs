using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>One OpenAI choice.</summary>
public sealed class ChatChoice
{
    /// <summary>Gets or sets the <c>index</c> field.</summary>
    [JsonPropertyName("index")]
    public int Index { get; set; }

    /// <summary>Gets or sets the <c>message</c> field.</summary>
    [JsonPropertyName("message")]
    public ChatMessage? Message { get; set; }

    /// <summary>Gets or sets the <c>logprobs</c> field.</summary>
    [JsonPropertyName("logprobs")]
    public JsonElement? Logprobs { get; set; }

    /// <summary>Gets or sets the <c>finish_reason</c> field.</summary>
    [JsonPropertyName("finish_reason")]
    public string? FinishReason { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
