using System.Text.Json;
using System.Text.Json.Serialization;
using LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Formats.OpenAI;

/// <summary>Source-generated JSON metadata for the public OpenAI Chat Completions models (compact, nulls omitted).</summary>
/// <remarks>
/// <see cref="Internal.WireJson.Context"/> is the shared instance with relaxed escaping that the relay itself uses;
/// the other wire families' models stay internal and have their own context.
/// </remarks>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.Strict, AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(ChatChoice))]
[JsonSerializable(typeof(ChatChunkChoice))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(ChatCompletionTokensDetails))]
[JsonSerializable(typeof(ChatContentPart))]
[JsonSerializable(typeof(ChatFunctionCall))]
[JsonSerializable(typeof(ChatFunctionDefinition))]
[JsonSerializable(typeof(ChatImageUrl))]
[JsonSerializable(typeof(ChatJsonSchema))]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(ChatPromptTokensDetails))]
[JsonSerializable(typeof(ChatResponseFormat))]
[JsonSerializable(typeof(ChatStreamOptions))]
[JsonSerializable(typeof(ChatTool))]
[JsonSerializable(typeof(ChatToolCall))]
[JsonSerializable(typeof(ChatUsage))]
[JsonSerializable(typeof(List<ChatContentPart>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
public sealed partial class OpenAIChatJsonContext : JsonSerializerContext
{
}
