using System.Buffers;
using LlmRelay.Formats;
using LlmRelay.Formats.Streaming;
using Microsoft.Extensions.AI;

namespace LlmRelay.Client;

/// <summary>Decodes an upstream stream, in any family and any chunking, into <see cref="ChatResponseUpdate"/> values.</summary>
/// <remarks>
/// <code>
/// upstream bytes ─► SseRewriteSession ─► the family's StreamDecoder ─► ChatUpdateEncoder ─► updates
/// </code>
/// The same session and decoder the HTTP relay rewrites streams with, so usage, finish reasons, truncation and JSON error
/// bodies read the same; no OpenAI SSE bytes are written and parsed again in between. An upstream error (an in-stream
/// error event, or a JSON error body served as the stream) is remembered in <see cref="Error"/>; the caller decides what
/// it does. A stream that just stops is not an error: it ends without a finish reason (or with tool calls). Not thread-safe.
/// </remarks>
internal sealed class ChatUpdateDecoder : IDisposable
{
    private readonly StreamDecoder _decoder;
    private readonly ChatUpdateEncoder _encoder = new();
    private readonly SseRewriteSession _session;
    private readonly ArrayBufferWriter<byte> _noBytes = new(1); // The encoder writes updates, never bytes.

    public ChatUpdateDecoder(WireFormat upstream)
    {
        _decoder = StreamRewriters.CreateDecoder(upstream);
        _session = new SseRewriteSession(new ConvertingStreamRewriter(_decoder, _encoder));
    }

    /// <summary>Gets the usage the upstream reported, normalised.</summary>
    public TokenUsage? Usage => _decoder.Usage;

    /// <summary>Gets the message of the first upstream error, or <see langword="null"/>.</summary>
    public string? Error { get; private set; }

    /// <summary>Gets the code of the first upstream error, or <see langword="null"/>.</summary>
    public string? ErrorCode { get; private set; }

    /// <summary>Consumes upstream bytes, adding the updates they complete to <paramref name="output"/>.</summary>
    public void Write(ReadOnlySpan<byte> upstream, List<ChatResponseUpdate> output)
    {
        _encoder.Output = output;
        _session.Write(upstream, _noBytes);
        if (_decoder.UpstreamError is { } error)
        {
            Fail(error);
        }
    }

    /// <summary>Ends the stream, adding the last updates (tool calls, finish reason, usage).</summary>
    public void Complete(List<ChatResponseUpdate> output)
    {
        _encoder.Output = output;
        if (_session.Complete(_noBytes) is { Kind: not FormatErrorKind.TruncatedStream } error)
        {
            Fail(error);
        }
    }

    public void Dispose() => _session.Dispose(); // Also disposes the decoder and the encoder.

    private void Fail(FormatError error)
    {
        if (Error is null)
        {
            Error = error.Message;
            ErrorCode = error.Code;
        }
    }
}
