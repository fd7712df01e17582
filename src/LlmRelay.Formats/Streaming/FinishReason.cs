namespace LlmRelay.Formats.Streaming;

/// <summary>Why a model stopped, normalised across families.</summary>
public enum FinishReason
{
    /// <summary>Natural end of turn.</summary>
    Stop,

    /// <summary>The token limit was reached.</summary>
    Length,

    /// <summary>The model called one or more tools.</summary>
    ToolCalls,

    /// <summary>A caller-supplied stop sequence matched.</summary>
    StopSequence,

    /// <summary>Output was blocked by a safety filter or refused.</summary>
    ContentFilter,

    /// <summary>Anything else (including errors).</summary>
    Other,
}
