using LlmRelay.Formats.Anthropic.Models;
using LlmRelay.Formats.Gemini.Models;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI.Models;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Responses.Models;

namespace LlmRelay.Formats.Conversion;

/// <summary>Converts whole request and non-stream response bodies between any two <see cref="WireFormat"/>s.</summary>
/// <remarks>
/// <code>
/// request:  caller body -> ChatCompletionRequest (pivot) -> upstream body
/// response: upstream body -> ChatCompletionResponse (pivot) -> caller body
/// </code>
/// Malformed input returns a <see cref="FormatError"/>; nothing throws for bad input.
/// </remarks>
public static class BodyConverter
{
    /// <summary>Converts a request body from the caller's family to the upstream's.</summary>
    /// <param name="from">The caller's family.</param>
    /// <param name="to">The upstream's family.</param>
    /// <param name="body">The caller's JSON body.</param>
    /// <param name="model">The model from the URL (Gemini callers); overrides the body's.</param>
    /// <param name="stream">The stream flag from the URL (Gemini callers).</param>
    /// <param name="defaultMaxTokens">The <c>max_tokens</c> an Anthropic body gets when the caller set no output limit (Anthropic requires one) and <paramref name="capability"/> names no default; must be positive.</param>
    /// <param name="capability">What the upstream model accepts; <see langword="null"/> when not known (parameters are converted as they came).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="defaultMaxTokens"/> is less than 1.</exception>
    public static FormatResult<ConvertedRequest> ConvertRequest(WireFormat from, WireFormat to, ReadOnlySpan<byte> body, string? model = null, bool? stream = null, int defaultMaxTokens = AnthropicChatConverter.DefaultMaxTokens, ModelCapability? capability = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(defaultMaxTokens, 1);
        FormatResult<ChatCompletionRequest> pivot = ToChatRequest(from, body, model);
        if (!pivot.IsSuccess)
        {
            return pivot.Error;
        }

        ChatCompletionRequest chat = pivot.Value;
        if (model is not null)
        {
            chat.Model = model;
        }

        if (stream is not null)
        {
            chat.Stream = stream;
        }

        if (chat.Messages is not { Count: > 0 })
        {
            return new FormatError(FormatErrorKind.InvalidShape, "The request has no messages.", "messages");
        }

        if (to != WireFormat.Gemini)
        {
            GeminiChatConverter.StripSignatures(chat);
        }

        bool isStream = chat.Stream == true;
        FormatsJsonContext ctx = WireJson.Models;
        ModelCapabilityRules.ApplyToPivot(chat, capability);
        switch (to)
        {
            case WireFormat.OpenAIChat:
                chat.TopK = null;
                ModelCapabilityRules.ApplyToOpenAI(chat, capability, chatCompletions: true);
                if (isStream)
                {
                    chat.StreamOptions ??= new ChatStreamOptions();
                    chat.StreamOptions.IncludeUsage = true;
                }

                return new ConvertedRequest(WireJson.Serialize(chat, ctx.ChatCompletionRequest), chat.Model, isStream);
            case WireFormat.Anthropic:
                FormatResult<MessagesRequest> a = AnthropicChatConverter.ToAnthropicRequest(chat, defaultMaxTokens, capability);
                return a.IsSuccess ? new ConvertedRequest(WireJson.Serialize(a.Value, ctx.MessagesRequest), chat.Model, isStream) : a.Error;
            case WireFormat.Gemini:
                FormatResult<GenerateContentRequest> g = GeminiChatConverter.ToGeminiRequest(chat);
                if (!g.IsSuccess)
                {
                    return g.Error;
                }

                ModelCapabilityRules.ApplyToGemini(g.Value, capability, chat.ReasoningEffort);
                return new ConvertedRequest(WireJson.Serialize(g.Value, ctx.GenerateContentRequest), chat.Model, isStream);
            default:
                ModelCapabilityRules.ApplyToOpenAI(chat, capability, chatCompletions: false);
                FormatResult<ResponsesRequest> r = ResponsesChatConverter.ToResponsesRequest(chat);
                return r.IsSuccess ? new ConvertedRequest(WireJson.Serialize(r.Value, ctx.ResponsesRequest), chat.Model, isStream) : r.Error;
        }
    }

    /// <summary>Converts a non-stream response body from the upstream's family to the caller's.</summary>
    /// <param name="from">The upstream's family.</param>
    /// <param name="to">The caller's family.</param>
    /// <param name="body">The upstream's JSON body.</param>
    /// <param name="created">Unix seconds for families whose bodies carry no timestamp.</param>
    /// <param name="usage">The usage the upstream reported, normalised (for billing).</param>
    public static FormatResult<byte[]> ConvertResponse(WireFormat from, WireFormat to, ReadOnlySpan<byte> body, long created, out TokenUsage usage)
    {
        FormatResult<ChatCompletionResponse> pivot = ToChatResponse(from, body, created, out usage);
        return pivot.IsSuccess ? FromChatResponse(to, pivot.Value, usage) : pivot.Error;
    }

    /// <summary>Parses a non-stream upstream answer into the OpenAI Chat pivot, reading its usage with the family's one usage reader.</summary>
    /// <remarks><paramref name="usage"/> is all zero when the answer cannot be read.</remarks>
    internal static FormatResult<ChatCompletionResponse> ToChatResponse(WireFormat from, ReadOnlySpan<byte> body, long created, out TokenUsage usage)
    {
        // One usage reader per family, the same the pass-through sniffer and the stream decoders use (issue #14): the typed
        // models below would drop what they have no property for (DeepSeek's prompt_cache_hit_tokens, cache-write buckets).
        usage = UsageSniffer.ReadBody(from, body) ?? default;
        FormatsJsonContext ctx = WireJson.Models;
        FormatResult<ChatCompletionResponse> pivot;
        switch (from)
        {
            case WireFormat.OpenAIChat:
                pivot = WireJson.Deserialize(body, ctx.ChatCompletionResponse);
                break;
            case WireFormat.Anthropic:
                FormatResult<MessagesResponse> a = WireJson.Deserialize(body, ctx.MessagesResponse);
                pivot = a.IsSuccess ? AnthropicChatConverter.FromAnthropicResponse(a.Value, created) : a.Error;
                break;
            case WireFormat.Gemini:
                FormatResult<GenerateContentResponse> g = WireJson.Deserialize(body, ctx.GenerateContentResponse);
                pivot = g.IsSuccess ? GeminiChatConverter.FromGeminiResponse(g.Value, created) : g.Error;
                break;
            default:
                FormatResult<ResponseObject> r = WireJson.Deserialize(body, ctx.ResponseObject);
                pivot = r.IsSuccess ? ResponsesChatConverter.FromResponsesResponse(r.Value) : r.Error;
                break;
        }

        if (!pivot.IsSuccess)
        {
            usage = default;
            return pivot.Error;
        }

        ChatCompletionResponse chat = pivot.Value;
        if (chat.Choices is not { Count: > 0 })
        {
            usage = default;
            return new FormatError(FormatErrorKind.InvalidShape, "The upstream response has no choices or content.", "choices");
        }

        if (from != WireFormat.OpenAIChat)
        {
            chat.Usage = AnthropicChatConverter.ChatUsageOf(usage);
        }

        return chat;
    }

    /// <summary>Writes the OpenAI Chat pivot of an answer as the caller's family's non-stream response body.</summary>
    internal static FormatResult<byte[]> FromChatResponse(WireFormat to, ChatCompletionResponse chat, in TokenUsage usage)
    {
        FormatsJsonContext ctx = WireJson.Models;
        switch (to)
        {
            case WireFormat.OpenAIChat:
                return WireJson.Serialize(chat, ctx.ChatCompletionResponse);
            case WireFormat.Anthropic:
                FormatResult<MessagesResponse> a = AnthropicChatConverter.ToAnthropicResponse(chat, usage);
                return a.IsSuccess ? WireJson.Serialize(a.Value, ctx.MessagesResponse) : a.Error;
            case WireFormat.Gemini:
                FormatResult<GenerateContentResponse> g = GeminiChatConverter.ToGeminiResponse(chat, usage);
                return g.IsSuccess ? WireJson.Serialize(g.Value, ctx.GenerateContentResponse) : g.Error;
            default:
                FormatResult<ResponseObject> r = ResponsesChatConverter.ToResponsesResponse(chat, usage);
                return r.IsSuccess ? WireJson.Serialize(r.Value, ctx.ResponseObject) : r.Error;
        }
    }

    /// <summary>Parses a caller's request into the OpenAI Chat pivot.</summary>
    public static FormatResult<ChatCompletionRequest> ToChatRequest(WireFormat from, ReadOnlySpan<byte> body, string? model = null)
    {
        FormatsJsonContext ctx = WireJson.Models;
        switch (from)
        {
            case WireFormat.OpenAIChat:
                return WireJson.Deserialize(body, ctx.ChatCompletionRequest);
            case WireFormat.Anthropic:
                FormatResult<MessagesRequest> a = WireJson.Deserialize(body, ctx.MessagesRequest);
                return a.IsSuccess ? AnthropicChatConverter.FromAnthropicRequest(a.Value) : a.Error;
            case WireFormat.Gemini:
                FormatResult<GenerateContentRequest> g = WireJson.Deserialize(body, ctx.GenerateContentRequest);
                return g.IsSuccess ? GeminiChatConverter.FromGeminiRequest(g.Value, model) : g.Error;
            default:
                FormatResult<ResponsesRequest> r = WireJson.Deserialize(body, ctx.ResponsesRequest);
                return r.IsSuccess ? ResponsesChatConverter.FromResponsesRequest(r.Value) : r.Error;
        }
    }
}
