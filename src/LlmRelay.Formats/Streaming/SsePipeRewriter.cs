using System.Buffers;
using System.IO.Pipelines;

namespace LlmRelay.Formats.Streaming;

/// <summary>Pumps an upstream <see cref="PipeReader"/> through a rewriter into a client <see cref="PipeWriter"/>.</summary>
internal static class SsePipeRewriter
{
    /// <summary>Reads the upstream to its end, rewriting each event, and writes the closing events.</summary>
    /// <returns>The error that ended the stream, or <see langword="null"/> on a clean end.</returns>
    /// <remarks>A cancelled <paramref name="cancellationToken"/> propagates; the caller bills from <see cref="IStreamRewriter.Usage"/>.</remarks>
    public static async ValueTask<FormatError?> RunAsync(PipeReader upstream, PipeWriter client, IStreamRewriter rewriter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(rewriter);
        using var session = new SseRewriteSession(new NonDisposingRewriter(rewriter));
        FormatError? transportError = null;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await upstream.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                transportError = new FormatError(FormatErrorKind.TruncatedStream, "Upstream connection failed: " + ex.Message, "upstream_io_error");
                break;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            session.Write(buffer, client);
            upstream.AdvanceTo(buffer.End);
            if (client.UnflushedBytes > 0)
            {
                FlushResult flush = await client.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    return null;
                }
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        FormatError? final = session.Complete(client, transportError);
        await client.FlushAsync(cancellationToken).ConfigureAwait(false);
        return final;
    }

    private sealed class NonDisposingRewriter(IStreamRewriter inner) : IStreamRewriter
    {
        public TokenUsage? Usage => inner.Usage;

        public bool IsCompleted => inner.IsCompleted;

        public FormatError? Complete(IBufferWriter<byte> output, FormatError? error = null) => inner.Complete(output, error);

        public FormatError? Process(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output) => inner.Process(eventType, data, output);

        public FormatError? ProcessNonSseBody(ReadOnlySpan<byte> body) => inner.ProcessNonSseBody(body);

        public void Dispose()
        {
        }
    }
}
