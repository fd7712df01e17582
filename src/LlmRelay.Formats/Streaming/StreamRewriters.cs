using LlmRelay.Formats.Anthropic;
using LlmRelay.Formats.Gemini;
using LlmRelay.Formats.OpenAI;

namespace LlmRelay.Formats.Streaming;

/// <summary>Creates stream rewriters for every directed pair of <see cref="WireFormat"/>s.</summary>
public static class StreamRewriters
{
    /// <summary>Creates a rewriter that reads <paramref name="upstream"/> events and writes <paramref name="caller"/> events.</summary>
    public static IStreamRewriter Create(WireFormat upstream, WireFormat caller, StreamConversionOptions? options = null)
    {
        options ??= new StreamConversionOptions();
        return new ConvertingStreamRewriter(CreateDecoder(upstream), CreateEncoder(caller, options));
    }

    /// <summary>Creates a session that accepts raw upstream bytes in any chunking.</summary>
    public static SseRewriteSession CreateSession(WireFormat upstream, WireFormat caller, StreamConversionOptions? options = null)
        => new(Create(upstream, caller, options));

    /// <summary>
    /// Creates a rewriter for an upstream without native tool calling: tool calls the model writes as text
    /// are recognised and sent to the caller as structured calls (see <see cref="ToolCalls.StreamingToolCallExtractor"/>).
    /// </summary>
    public static IStreamRewriter CreateWithTextToolCalls(WireFormat upstream, WireFormat caller, IEnumerable<string> declaredTools, System.Text.Json.JsonElement? toolChoice, StreamConversionOptions? options = null)
    {
        options ??= new StreamConversionOptions();
        var encoder = new ToolCalls.TextToolCallStreamEncoder(CreateEncoder(caller, options), declaredTools, toolChoice, options);
        return new ConvertingStreamRewriter(CreateDecoder(upstream), encoder);
    }

    /// <summary>Creates the decoder that reads <paramref name="format"/> stream events and drives any <see cref="StreamEncoder"/>.</summary>
    /// <remarks>For callers that turn a stream into something other than SSE bytes, such as chat-client updates.</remarks>
    public static StreamDecoder CreateDecoder(WireFormat format) => format switch
    {
        WireFormat.OpenAIChat => new OpenAIChatStreamDecoder(),
        WireFormat.Anthropic => new AnthropicStreamDecoder(),
        WireFormat.Gemini => new GeminiStreamDecoder(),
        WireFormat.OpenAIResponses => new Responses.ResponsesStreamDecoder(),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    internal static StreamEncoder CreateEncoder(WireFormat format, StreamConversionOptions options) => format switch
    {
        WireFormat.OpenAIChat => new OpenAIChatStreamEncoder(options),
        WireFormat.Anthropic => new AnthropicStreamEncoder(options),
        WireFormat.Gemini => new GeminiStreamEncoder(options),
        WireFormat.OpenAIResponses => new Responses.ResponsesStreamEncoder(options),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
