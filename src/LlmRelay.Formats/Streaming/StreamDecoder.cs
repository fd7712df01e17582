using System.Buffers;

namespace LlmRelay.Formats.Streaming;

/// <summary>Reads one family's SSE events and drives a <see cref="StreamEncoder"/>.</summary>
public abstract class StreamDecoder : IDisposable
{
    /// <summary>Gets or sets the usage seen so far.</summary>
    public TokenUsage? Usage { get; protected set; }

    /// <summary>Gets or sets the finish reason, once seen.</summary>
    public FinishReason? Finish { get; protected set; }

    /// <summary>Gets or sets the error the upstream reported in-stream.</summary>
    public FormatError? UpstreamError { get; protected set; }

    /// <summary>Gets or sets a value indicating whether the upstream's terminal event was seen.</summary>
    public bool Terminated { get; protected set; }

    /// <summary>Decodes one event.</summary>
    public abstract FormatError? Decode(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, StreamEncoder encoder, IBufferWriter<byte> output);

    /// <summary>Interprets a JSON error body served instead of an event stream.</summary>
    public abstract FormatError? DecodeErrorBody(ReadOnlySpan<byte> body);

    /// <summary>Releases pooled resources; the base implementation holds none.</summary>
    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
    }
}
