using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.OpenAI;

/// <summary>Maps OpenAI <c>finish_reason</c> values.</summary>
internal static class OpenAIFinishReasons
{
    public static FinishReason Parse(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("stop"u8) => FinishReason.Stop,
        _ when value.SequenceEqual("length"u8) => FinishReason.Length,
        _ when value.SequenceEqual("tool_calls"u8) || value.SequenceEqual("function_call"u8) => FinishReason.ToolCalls,
        _ when value.SequenceEqual("content_filter"u8) => FinishReason.ContentFilter,
        _ => FinishReason.Other,
    };

    public static FinishReason Parse(string? value) => value switch
    {
        "stop" => FinishReason.Stop,
        "length" => FinishReason.Length,
        "tool_calls" or "function_call" => FinishReason.ToolCalls,
        "content_filter" => FinishReason.ContentFilter,
        null => FinishReason.Stop,
        _ => FinishReason.Other,
    };

    public static string ToOpenAI(FinishReason reason) => reason switch
    {
        FinishReason.Length => "length",
        FinishReason.ToolCalls => "tool_calls",
        FinishReason.ContentFilter => "content_filter",
        _ => "stop",
    };
}
