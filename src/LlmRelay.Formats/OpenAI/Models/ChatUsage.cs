using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>OpenAI usage.</summary>
public sealed class ChatUsage
{
    /// <summary>Gets or sets the <c>prompt_tokens</c> field.</summary>
    [JsonPropertyName("prompt_tokens")]
    public long PromptTokens { get; set; }

    /// <summary>Gets or sets the <c>completion_tokens</c> field.</summary>
    [JsonPropertyName("completion_tokens")]
    public long CompletionTokens { get; set; }

    /// <summary>Gets or sets the <c>total_tokens</c> field.</summary>
    [JsonPropertyName("total_tokens")]
    public long TotalTokens { get; set; }

    /// <summary>Gets or sets the <c>prompt_tokens_details</c> field.</summary>
    [JsonPropertyName("prompt_tokens_details")]
    public ChatPromptTokensDetails? PromptTokensDetails { get; set; }

    /// <summary>Gets or sets the <c>completion_tokens_details</c> field.</summary>
    [JsonPropertyName("completion_tokens_details")]
    public ChatCompletionTokensDetails? CompletionTokensDetails { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
