using LlmRelay.Formats;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Internal;
using Microsoft.Extensions.AI;
using Wire = LlmRelay.Formats.OpenAI.Models;

namespace LlmRelay.Client;

/// <summary>Maps between OpenAI Chat Completions responses and Microsoft.Extensions.AI <see cref="ChatResponse"/> values, and their usage.</summary>
/// <remarks>Pure and thread-safe.</remarks>
internal static class OpenAIChatResponseMapper
{
    /// <summary>Builds a <see cref="ChatResponse"/> (one message per choice) from an OpenAI Chat response; <see cref="ChatResponse.RawRepresentation"/> is the wire object.</summary>
    /// <param name="wire">The response.</param>
    /// <param name="usage">Its usage, read from the upstream's bytes by the family's usage reader (issue #14), or <see langword="null"/>.</param>
    public static ChatResponse FromOpenAIResponse(Wire.ChatCompletionResponse wire, TokenUsage? usage)
    {
        var messages = new List<ChatMessage>(wire.Choices?.Count ?? 0);
        ChatFinishReason? finish = null;
        foreach (var choice in wire.Choices ?? [])
        {
            var contents = new List<AIContent>();
            var message = choice.Message;
            if (message?.ReasoningContent is { Length: > 0 } reasoning)
            {
                contents.Add(new TextReasoningContent(reasoning));
            }

            var text = message?.Content?.Text ?? (message?.Content?.Parts is { } parts ? string.Concat(parts.Select(static p => p.Text)) : null);
            if (!string.IsNullOrEmpty(text))
            {
                contents.Add(new TextContent(text));
            }

            if (message?.Refusal is { Length: > 0 } refusal)
            {
                contents.Add(new ErrorContent(refusal) { ErrorCode = "refusal" });
            }

            foreach (var call in message?.ToolCalls ?? [])
            {
                contents.Add(OpenAIChatRequestMapper.ParseCall(call.Id ?? "", call.Function?.Name ?? "", call.Function?.Arguments));
            }

            messages.Add(new ChatMessage(ChatRole.Assistant, contents) { MessageId = wire.Id });
            finish ??= FinishReasonOf(choice.FinishReason);
        }

        return new ChatResponse(messages)
        {
            ResponseId = wire.Id,
            ModelId = wire.Model,
            CreatedAt = wire.Created > 0 ? DateTimeOffset.FromUnixTimeSeconds(wire.Created) : null,
            FinishReason = finish,
            Usage = usage is { } reported ? UsageDetailsOf(reported) : null,
            RawRepresentation = wire,
        };
    }

    /// <summary>Builds an OpenAI Chat response body from a <see cref="ChatResponse"/> (for a channel served by an <see cref="IChatClient"/>).</summary>
    public static Wire.ChatCompletionResponse ToOpenAIResponse(ChatResponse response, string model, long created)
    {
        var message = new Wire.ChatMessage { Role = "assistant" };
        var text = string.Concat(response.Messages.SelectMany(static m => m.Contents).OfType<TextContent>().Select(static t => t.Text));
        var reasoning = string.Concat(response.Messages.SelectMany(static m => m.Contents).OfType<TextReasoningContent>().Select(static t => t.Text));
        var calls = response.Messages.SelectMany(static m => m.Contents).OfType<FunctionCallContent>().ToList();
        message.Content = text.Length > 0 || calls.Count == 0 ? new TextOrParts<Wire.ChatContentPart>(text) : null;
        message.ReasoningContent = reasoning.Length > 0 ? reasoning : null;
        if (calls.Count > 0)
        {
            message.ToolCalls = [.. calls.Select(static c => new Wire.ChatToolCall { Id = c.CallId, Type = "function", Function = new Wire.ChatFunctionCall { Name = c.Name, Arguments = OpenAIChatRequestMapper.SerializeArguments(c.Arguments) } })];
        }

        return new Wire.ChatCompletionResponse
        {
            Id = response.ResponseId ?? "chatcmpl-" + Guid.NewGuid().ToString("N"),
            Object = "chat.completion",
            Created = response.CreatedAt?.ToUnixTimeSeconds() ?? created,
            Model = response.ModelId ?? model,
            Choices = [new Wire.ChatChoice { Index = 0, Message = message, FinishReason = FinishReasonText(response.FinishReason) ?? (calls.Count > 0 ? "tool_calls" : "stop") }],
            Usage = response.Usage is { } usage ? AnthropicChatConverter.ChatUsageOf(TokenUsageOf(usage)) : null,
        };
    }

    /// <summary>Maps an OpenAI finish reason.</summary>
    public static ChatFinishReason? FinishReasonOf(string? reason) => reason switch
    {
        null or "" => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" or "function_call" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(reason),
    };

    /// <summary>Maps a finish reason back to OpenAI's text.</summary>
    public static string? FinishReasonText(ChatFinishReason? reason) =>
        reason is null ? null
        : reason == ChatFinishReason.Stop ? "stop"
        : reason == ChatFinishReason.Length ? "length"
        : reason == ChatFinishReason.ToolCalls ? "tool_calls"
        : reason == ChatFinishReason.ContentFilter ? "content_filter"
        : reason.Value.Value;

    /// <summary>Maps normalised relay usage to <see cref="UsageDetails"/>.</summary>
    public static UsageDetails UsageDetailsOf(in TokenUsage usage) => new()
    {
        InputTokenCount = usage.InputTokens,
        OutputTokenCount = usage.OutputTokens,
        TotalTokenCount = usage.TotalTokens > 0 ? usage.TotalTokens : usage.InputTokens + usage.OutputTokens,
        CachedInputTokenCount = usage.CachedInputTokens > 0 ? usage.CachedInputTokens : null,
        ReasoningTokenCount = usage.ReasoningTokens > 0 ? usage.ReasoningTokens : null,
    };

    /// <summary>Maps <see cref="UsageDetails"/> to normalised relay usage (for metering a channel served by an <see cref="IChatClient"/>).</summary>
    public static TokenUsage TokenUsageOf(UsageDetails usage) => new()
    {
        InputTokens = usage.InputTokenCount ?? 0,
        OutputTokens = usage.OutputTokenCount ?? 0,
        TotalTokens = usage.TotalTokenCount ?? ((usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0)),
        CachedInputTokens = usage.CachedInputTokenCount ?? 0,
        ReasoningTokens = usage.ReasoningTokenCount ?? 0,
    };
}
