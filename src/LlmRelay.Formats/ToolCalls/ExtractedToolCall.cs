namespace LlmRelay.Formats.ToolCalls;

/// <summary>A tool call recognised in model text.</summary>
/// <param name="Id">The generated call id.</param>
/// <param name="Name">The declared tool name.</param>
/// <param name="Arguments">The arguments as JSON text.</param>
internal sealed record ExtractedToolCall(string Id, string Name, string Arguments);
