using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace LlmRelay.Formats.Streaming;

/// <summary>Rewrites one upstream SSE stream into a caller's stream format, event by event.</summary>
/// <remarks>
/// <code>
/// upstream bytes -> SseEventReader -> Process(event, data) -> output (client bytes)
///                                   Complete(error?)       -> closing events
/// </code>
/// Not thread-safe: one instance per stream.
/// </remarks>
public interface IStreamRewriter : IDisposable
{
    /// <summary>Gets the usage the upstream reported so far, normalised.</summary>
    TokenUsage? Usage { get; }

    /// <summary>Gets a value indicating whether the closing events have been written.</summary>
    bool IsCompleted { get; }

    /// <summary>Rewrites one upstream SSE event.</summary>
    /// <returns><see langword="null"/>, or the error the event carried or caused (the stream continues).</returns>
    FormatError? Process(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output);

    /// <summary>Writes the target family's closing events; call once when the upstream ends or fails.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="error">The transport error that ended the upstream, if any.</param>
    /// <returns>The error that ended the stream (transport, upstream or truncation), or <see langword="null"/>.</returns>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "The name every error parameter of this package has.")]
    FormatError? Complete(IBufferWriter<byte> output, FormatError? error = null);

    /// <summary>Interprets a non-SSE upstream body (e.g. a JSON error served as <c>text/event-stream</c>).</summary>
    FormatError? ProcessNonSseBody(ReadOnlySpan<byte> body);
}
