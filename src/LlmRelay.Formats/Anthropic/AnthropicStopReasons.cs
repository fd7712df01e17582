using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Anthropic;

/// <summary>Maps Anthropic <c>stop_reason</c> values.</summary>
internal static class AnthropicStopReasons
{
    public static FinishReason Parse(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("end_turn"u8) || value.SequenceEqual("pause_turn"u8) => FinishReason.Stop,
        _ when value.SequenceEqual("max_tokens"u8) || value.SequenceEqual("model_context_window_exceeded"u8) => FinishReason.Length,
        _ when value.SequenceEqual("tool_use"u8) => FinishReason.ToolCalls,
        _ when value.SequenceEqual("stop_sequence"u8) => FinishReason.StopSequence,
        _ when value.SequenceEqual("refusal"u8) => FinishReason.ContentFilter,
        _ => FinishReason.Other,
    };

    public static FinishReason Parse(string? value) => value is null ? FinishReason.Stop : Parse(System.Text.Encoding.UTF8.GetBytes(value));

    public static string ToAnthropic(FinishReason reason) => reason switch
    {
        FinishReason.Length => "max_tokens",
        FinishReason.ToolCalls => "tool_use",
        FinishReason.StopSequence => "stop_sequence",
        FinishReason.ContentFilter => "refusal",
        _ => "end_turn",
    };
}
