using System.Buffers;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Sse;

namespace LlmRelay.Formats.Streaming;

/// <summary>Feeds raw upstream bytes, in any chunking, through an <see cref="SseEventReader"/> into an <see cref="IStreamRewriter"/>.</summary>
/// <remarks>Not thread-safe: one instance per stream. Output is identical for any split of the input.</remarks>
public sealed class SseRewriteSession : IDisposable
{
    private const int MaxNonSseBody = 64 * 1024;
    private readonly SseEventReader _reader = new();
    private readonly IStreamRewriter _rewriter;
    private PooledBuffer? _rawBody;
    private bool _sawNonWhitespace;

    /// <summary>Initializes a new instance of the <see cref="SseRewriteSession"/> class.</summary>
    /// <param name="rewriter">The rewriter that receives each event; the session disposes it.</param>
    public SseRewriteSession(IStreamRewriter rewriter)
    {
        _rewriter = rewriter;
    }

    /// <summary>Gets the first per-event error seen (the stream carried on).</summary>
    public FormatError? FirstError { get; private set; }

    /// <summary>Gets the usage the upstream reported.</summary>
    public TokenUsage? Usage => _rewriter.Usage;

    /// <summary>Gets the underlying rewriter.</summary>
    public IStreamRewriter Rewriter => _rewriter;

    /// <summary>Consumes a chunk of upstream bytes, writing rewritten events to <paramref name="output"/>.</summary>
    public void Write(ReadOnlySpan<byte> upstream, IBufferWriter<byte> output)
    {
        if (!_sawNonWhitespace)
        {
            DetectJsonBody(upstream);
        }
        else if (_rawBody is not null && _rawBody.Length + upstream.Length <= MaxNonSseBody)
        {
            _rawBody.Append(upstream);
        }

        while (_reader.TryRead(ref upstream, out ReadOnlySpan<byte> eventType, out ReadOnlySpan<byte> data))
        {
            Dispatch(eventType, data, output);
        }
    }

    /// <summary>Consumes a (possibly multi-segment) sequence of upstream bytes.</summary>
    public void Write(in ReadOnlySequence<byte> upstream, IBufferWriter<byte> output)
    {
        foreach (ReadOnlyMemory<byte> segment in upstream)
        {
            Write(segment.Span, output);
        }
    }

    /// <summary>Ends the stream, writing the closing events.</summary>
    /// <returns>The error that ended the stream, or <see langword="null"/> on a clean end.</returns>
    public FormatError? Complete(IBufferWriter<byte> output, FormatError? transportError = null)
    {
        if (_reader.TryFlush(out ReadOnlySpan<byte> eventType, out ReadOnlySpan<byte> data))
        {
            Dispatch(eventType, data, output);
        }

        if (_reader.EventCount == 0 && _rawBody is not null && _rawBody.Length > 0)
        {
            _rewriter.ProcessNonSseBody(_rawBody.WrittenSpan);
        }

        return _rewriter.Complete(output, transportError);
    }

    /// <summary>Disposes the rewriter and the pooled buffers.</summary>
    public void Dispose()
    {
        _reader.Dispose();
        _rawBody?.Dispose();
        _rewriter.Dispose();
    }

    private void Dispatch(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        FormatError? error = _rewriter.Process(eventType, data, output);
        if (error is not null)
        {
            FirstError ??= error;
        }
    }

    private void DetectJsonBody(ReadOnlySpan<byte> upstream)
    {
        int i = upstream.IndexOfAnyExcept(" \t\r\n"u8);
        if (i < 0)
        {
            return;
        }

        _sawNonWhitespace = true;
        if (upstream[i] is (byte)'{' or (byte)'[')
        {
            _rawBody = new PooledBuffer(1024);
            _rawBody.Append(upstream[i..Math.Min(upstream.Length, i + MaxNonSseBody)]);
        }
    }
}
