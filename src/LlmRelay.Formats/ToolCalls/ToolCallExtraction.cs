namespace LlmRelay.Formats.ToolCalls;

/// <summary>The result of scanning a whole model answer for tool calls.</summary>
/// <param name="Content">The text with tool-call markup removed, or <see langword="null"/> when only calls remained.</param>
/// <param name="Calls">The accepted calls.</param>
/// <param name="RejectedNames">Tool names used by the model but not declared (not executed).</param>
internal sealed record ToolCallExtraction(string? Content, IReadOnlyList<ExtractedToolCall> Calls, IReadOnlyList<string> RejectedNames);
