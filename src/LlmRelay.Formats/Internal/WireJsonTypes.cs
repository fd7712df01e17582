using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Formats.Internal;

/// <summary>The source-generated JSON metadata of the public OpenAI Chat models, with the relay's serializer options.</summary>
/// <remarks>
/// Infrastructure shared by the LlmRelay packages, not meant for direct use: it may change in any release.
/// The generated context itself stays internal, because it also covers the internal Anthropic, Gemini and Responses models.
/// </remarks>
public sealed class WireJsonTypes
{
    private readonly FormatsJsonContext _context;

    internal WireJsonTypes(FormatsJsonContext context) => _context = context;

    /// <summary>Gets the metadata of <see cref="OpenAI.Models.ChatCompletionRequest"/>.</summary>
    public JsonTypeInfo<ChatCompletionRequest> ChatCompletionRequest => _context.ChatCompletionRequest;

    /// <summary>Gets the metadata of <see cref="OpenAI.Models.ChatCompletionResponse"/>.</summary>
    public JsonTypeInfo<ChatCompletionResponse> ChatCompletionResponse => _context.ChatCompletionResponse;

    /// <summary>Gets the metadata of <see cref="OpenAI.Models.ChatCompletionChunk"/>.</summary>
    public JsonTypeInfo<ChatCompletionChunk> ChatCompletionChunk => _context.ChatCompletionChunk;

    /// <summary>Gets the metadata of <see cref="string"/>.</summary>
    internal JsonTypeInfo<string> String => _context.String;

    /// <summary>Gets the metadata of <see cref="System.Text.Json.JsonElement"/>.</summary>
    internal JsonTypeInfo<JsonElement> JsonElement => _context.JsonElement;
}
