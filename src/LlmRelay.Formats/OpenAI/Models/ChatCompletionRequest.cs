using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.OpenAI.Models;

/// <summary>OpenAI Chat Completions request body.</summary>
public sealed class ChatCompletionRequest
{
    /// <summary>Gets or sets the <c>model</c> field.</summary>
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    /// <summary>Gets or sets the <c>messages</c> field.</summary>
    [JsonPropertyName("messages")]
    public List<ChatMessage>? Messages { get; set; }

    /// <summary>Gets or sets the <c>max_tokens</c> field.</summary>
    [JsonPropertyName("max_tokens")]
    public int? MaxTokens { get; set; }

    /// <summary>Gets or sets the <c>max_completion_tokens</c> field.</summary>
    [JsonPropertyName("max_completion_tokens")]
    public int? MaxCompletionTokens { get; set; }

    /// <summary>Gets or sets the <c>temperature</c> field.</summary>
    [JsonPropertyName("temperature")]
    public double? Temperature { get; set; }

    /// <summary>Gets or sets the <c>top_p</c> field.</summary>
    [JsonPropertyName("top_p")]
    public double? TopP { get; set; }

    /// <summary>Gets or sets the <c>top_k</c> field.</summary>
    [JsonPropertyName("top_k")]
    public int? TopK { get; set; }

    /// <summary>Gets or sets the <c>n</c> field.</summary>
    [JsonPropertyName("n")]
    public int? N { get; set; }

    /// <summary>Gets or sets the <c>stop</c> field.</summary>
    [JsonPropertyName("stop")]
    [JsonConverter(typeof(StringOrArrayConverter))]
    public List<string>? Stop { get; set; }

    /// <summary>Gets or sets the <c>stream</c> field.</summary>
    [JsonPropertyName("stream")]
    public bool? Stream { get; set; }

    /// <summary>Gets or sets the <c>stream_options</c> field.</summary>
    [JsonPropertyName("stream_options")]
    public ChatStreamOptions? StreamOptions { get; set; }

    /// <summary>Gets or sets the <c>tools</c> field.</summary>
    [JsonPropertyName("tools")]
    public List<ChatTool>? Tools { get; set; }

    /// <summary>Gets or sets the <c>tool_choice</c> field.</summary>
    [JsonPropertyName("tool_choice")]
    public JsonElement? ToolChoice { get; set; }

    /// <summary>Gets or sets the <c>parallel_tool_calls</c> field.</summary>
    [JsonPropertyName("parallel_tool_calls")]
    public bool? ParallelToolCalls { get; set; }

    /// <summary>Gets or sets the <c>response_format</c> field.</summary>
    [JsonPropertyName("response_format")]
    public ChatResponseFormat? ResponseFormat { get; set; }

    /// <summary>Gets or sets the <c>reasoning_effort</c> field.</summary>
    [JsonPropertyName("reasoning_effort")]
    public string? ReasoningEffort { get; set; }

    /// <summary>Gets or sets the <c>seed</c> field.</summary>
    [JsonPropertyName("seed")]
    public long? Seed { get; set; }

    /// <summary>Gets or sets the <c>frequency_penalty</c> field.</summary>
    [JsonPropertyName("frequency_penalty")]
    public double? FrequencyPenalty { get; set; }

    /// <summary>Gets or sets the <c>presence_penalty</c> field.</summary>
    [JsonPropertyName("presence_penalty")]
    public double? PresencePenalty { get; set; }

    /// <summary>Gets or sets the <c>user</c> field.</summary>
    [JsonPropertyName("user")]
    public string? User { get; set; }

    /// <summary>Gets or sets the fields this model does not declare, kept so they are written back unchanged.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
