using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Internal;
using LlmRelay.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmRelay.Client;

/// <summary>The body of a <see cref="RelayChatClient"/> call: its messages and options, sent as an OpenAI Chat body (converted for other families), or handed as they are to a chat-client channel.</summary>
/// <remarks>Not thread-safe: one instance per call.</remarks>
internal sealed class InProcessChatContent(IReadOnlyList<ChatMessage> messages, ChatOptions? options, bool stream, int anthropicMaxTokens) : RelayContent
{
    private string? _model;
    private byte[]? _openAI;

    public IReadOnlyList<ChatMessage> Messages => messages;

    public ChatOptions? Options => options;

    /// <summary>Returns the OpenAI Chat body of the call for <paramref name="upstreamModel"/>: what an HTTP channel is sent (before conversion), and what an estimate counts.</summary>
    public byte[] OpenAIBody(string upstreamModel)
    {
        if (_openAI is null || !string.Equals(_model, upstreamModel, StringComparison.Ordinal))
        {
            _openAI = WireJson.Serialize(OpenAIChatRequestMapper.ToOpenAIRequest(messages, options, upstreamModel, stream), WireJson.Context.ChatCompletionRequest);
            _model = upstreamModel;
        }

        return _openAI;
    }

    /// <summary>Returns the call's options for a chat-client channel: a copy naming <paramref name="upstreamModel"/>.</summary>
    public ChatOptions OptionsFor(string upstreamModel)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        copy.ModelId = upstreamModel;
        return copy;
    }

    public override FormatError? Adapt(in RelayPlan plan, string upstreamModel, out ReadOnlyMemory<byte> body)
    {
        body = OpenAIBody(upstreamModel);
        if (plan.UpstreamFormat == WireFormat.OpenAIChat)
        {
            return null;
        }

        var converted = BodyConverter.ConvertRequest(WireFormat.OpenAIChat, plan.UpstreamFormat, body.Span, upstreamModel, stream, anthropicMaxTokens, plan.Capability);
        body = converted.IsSuccess ? converted.Value!.Body : default;
        return converted.Error;
    }
}
