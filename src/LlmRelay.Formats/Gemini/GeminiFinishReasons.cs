using LlmRelay.Formats.Streaming;

namespace LlmRelay.Formats.Gemini;

/// <summary>Maps Gemini <c>finishReason</c> values.</summary>
internal static class GeminiFinishReasons
{
    public static FinishReason Parse(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("STOP"u8) => FinishReason.Stop,
        _ when value.SequenceEqual("MAX_TOKENS"u8) => FinishReason.Length,
        _ when value.SequenceEqual("SAFETY"u8) || value.SequenceEqual("RECITATION"u8) || value.SequenceEqual("BLOCKLIST"u8)
            || value.SequenceEqual("PROHIBITED_CONTENT"u8) || value.SequenceEqual("SPII"u8) || value.SequenceEqual("IMAGE_SAFETY"u8) => FinishReason.ContentFilter,
        _ => FinishReason.Other,
    };

    public static FinishReason Parse(string? value) => value is null ? FinishReason.Stop : Parse(System.Text.Encoding.UTF8.GetBytes(value));

    public static string ToGemini(FinishReason reason) => reason switch
    {
        FinishReason.Length => "MAX_TOKENS",
        FinishReason.ContentFilter => "SAFETY",
        FinishReason.Other => "OTHER",
        _ => "STOP",
    };
}
