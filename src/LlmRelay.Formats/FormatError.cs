namespace LlmRelay.Formats;

/// <summary>An error produced while parsing or converting a wire format, returned as a value.</summary>
/// <param name="Kind">The error class.</param>
/// <param name="Message">A human-readable message.</param>
/// <param name="Code">The upstream error type or code when the error came from the upstream.</param>
public sealed record FormatError(FormatErrorKind Kind, string Message, string? Code = null)
{
    internal static FormatError Json(string message) => new(FormatErrorKind.InvalidJson, message);

    internal static FormatError Shape(string message) => new(FormatErrorKind.InvalidShape, message);

    internal static readonly FormatError Truncated = new(FormatErrorKind.TruncatedStream, "The upstream stream ended before it was complete.", "stream_truncated");
}
