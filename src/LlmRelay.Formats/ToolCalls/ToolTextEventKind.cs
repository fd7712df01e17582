namespace LlmRelay.Formats.ToolCalls;

/// <summary>What a <see cref="ToolTextEvent"/> carries.</summary>
internal enum ToolTextEventKind
{
    /// <summary>Plain text to forward as content.</summary>
    Text,

    /// <summary>A recognised call to a declared tool starts.</summary>
    ToolCallStart,

    /// <summary>A fragment of the current call's JSON arguments.</summary>
    ToolCallArguments,
}
