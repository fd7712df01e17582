namespace LlmRelay.Formats.ToolCalls;

/// <summary>One output of <see cref="StreamingToolCallExtractor"/>.</summary>
/// <param name="Kind">The event kind.</param>
/// <param name="Index">The tool-call index (0, 1, ...) for tool events.</param>
/// <param name="Id">The generated call id (start events).</param>
/// <param name="Name">The tool name (start events).</param>
/// <param name="Text">Text, or an arguments fragment.</param>
internal readonly record struct ToolTextEvent(ToolTextEventKind Kind, int Index, string? Id, string? Name, string Text);
