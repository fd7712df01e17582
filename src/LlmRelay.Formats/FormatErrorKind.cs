namespace LlmRelay.Formats;

/// <summary>Classifies a <see cref="FormatError"/>.</summary>
public enum FormatErrorKind
{
    /// <summary>The input was not well-formed JSON.</summary>
    InvalidJson,

    /// <summary>The JSON was well-formed but had the wrong shape or types.</summary>
    InvalidShape,

    /// <summary>The upstream stream ended before its terminal event.</summary>
    TruncatedStream,

    /// <summary>The upstream reported an error (in a stream error event or an error body).</summary>
    UpstreamError,

    /// <summary>The input uses a feature the target format cannot express.</summary>
    Unsupported,

    /// <summary>The model did not call a tool although <c>tool_choice</c> required one.</summary>
    ToolChoiceViolation,
}
