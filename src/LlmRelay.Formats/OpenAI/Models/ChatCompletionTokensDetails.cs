using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>OpenAI completion token details.</summary>
public sealed class ChatCompletionTokensDetails
{
    /// <summary>Gets or sets the <c>reasoning_tokens</c> field.</summary>
    [JsonPropertyName("reasoning_tokens")]
    public long? ReasoningTokens { get; set; }

    /// <summary>Gets or sets the <c>audio_tokens</c> field.</summary>
    [JsonPropertyName("audio_tokens")]
    public long? AudioTokens { get; set; }

    /// <summary>Gets or sets the <c>accepted_prediction_tokens</c> field.</summary>
    [JsonPropertyName("accepted_prediction_tokens")]
    public long? AcceptedPredictionTokens { get; set; }

    /// <summary>Gets or sets the <c>rejected_prediction_tokens</c> field.</summary>
    [JsonPropertyName("rejected_prediction_tokens")]
    public long? RejectedPredictionTokens { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
