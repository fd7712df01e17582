using System.Text.Json.Serialization;

namespace LlmRelay.Formats.Anthropic.Models;

/// <summary>Anthropic's split of <c>cache_creation_input_tokens</c> by cache lifetime.</summary>
internal sealed class AnthropicCacheCreation
{
    [JsonPropertyName("ephemeral_5m_input_tokens")]
    public long Ephemeral5mInputTokens { get; set; }

    [JsonPropertyName("ephemeral_1h_input_tokens")]
    public long Ephemeral1hInputTokens { get; set; }
}
