using System.Buffers;
using LlmRelay.AspNetCore.Relay.Errors;
using LlmRelay.Formats;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Streaming;
using LlmRelay.Formats.ToolCalls;
using LlmRelay.Pipeline;

namespace LlmRelay.AspNetCore.Relay;

/// <summary>Moves one upstream stream to the caller: byte for byte when the formats match, rewritten when they differ.</summary>
/// <remarks>Not thread-safe: one instance per stream.</remarks>
internal abstract class StreamPump : IDisposable
{
    private static readonly StreamConversionOptions JsonArrayOptions = new() { GeminiJsonArray = true };

    public abstract TokenUsage? Usage { get; }

    /// <summary>Gets how many SSE data events reached the pump; with no reported usage, a stand-in for the tokens produced (one chunk carries about one token).</summary>
    public abstract long DataEvents { get; }

    public static StreamPump Create(InboundRoute route, RelayPlan plan, OpenAIChatRequestInfo request, ToolCallSieve? sieve = null)
    {
        if (sieve is not null)
        {
            // The tool-call sieve rewrites the stream even when the formats match; an OpenAI caller that passed through
            // gets the usage chunk only if it asked for one, as on the pass-through path.
            var options = new StreamConversionOptions { IncludeUsage = !plan.PassThrough || !route.AsksForStreamUsage || request.IncludeUsage };
            return new Rewriting(new SseRewriteSession(sieve.CreateStreamRewriter(plan.UpstreamFormat, route.Format, options)));
        }

        if (!plan.PassThrough)
        {
            return new Rewriting(StreamRewriters.CreateSession(plan.UpstreamFormat, route.Format, route.StreamsJsonArray ? JsonArrayOptions : null));
        }

        if (route.StreamsJsonArray)
        {
            return new GeminiArray(new GeminiJsonArrayPassThrough());
        }

        return route.AsksForStreamUsage
            ? new OpenAI(new OpenAIStreamPassThrough(stripUsageChunk: !request.IncludeUsage))
            : new Sse(new SsePassThrough(plan.UpstreamFormat));
    }

    public abstract void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output);

    /// <summary>Records on the call's row that the upstream stream broke after the answer started, and returns the error to end the caller's stream with.</summary>
    public static FormatError Interrupted(RelayCall call, Exception exception)
    {
        var log = call.Log;
        log.Content = exception is OperationCanceledException
            ? "The upstream stream stalled longer than the idle timeout."
            : "The upstream stream was interrupted.";
        log.StatusCode = 502;
        return new FormatError(FormatErrorKind.UpstreamError, log.Content, "upstream_interrupted");
    }

    /// <summary>Bills the stream: the usage the upstream reported, else the prompt counted and one completion token per data event delivered.</summary>
    /// <remarks>With no usage (the caller left, or the upstream never sent it) counting never throws (RelayMetering.Estimate).</remarks>
    public void Bill(RelayCall call, RelayAttempt attempt)
    {
        if (Usage is { } usage)
        {
            call.Bill(attempt, usage);
        }
        else
        {
            call.BillEstimatedStream(attempt, DataEvents);
        }
    }

    /// <summary>Ends the stream: flushes what is pending and, on failure, tells the caller in its own format.</summary>
    /// <returns>The error that ended the stream, or <see langword="null"/>.</returns>
    public abstract FormatError? Complete(IBufferWriter<byte> output, RelayErrorWriter errors, FormatError? transportError);

    public abstract void Dispose();

    private sealed class OpenAI(OpenAIStreamPassThrough inner) : StreamPump
    {
        public override TokenUsage? Usage => inner.Usage;

        public override long DataEvents => inner.EventCount;

        public override void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output) => inner.Process(chunk, output);

        public override FormatError? Complete(IBufferWriter<byte> output, RelayErrorWriter errors, FormatError? transportError)
        {
            inner.Complete(output);
            if (transportError is not null)
            {
                errors.WriteStreamError(output, RelayErrorKind.Upstream, transportError.Message);
            }

            return transportError;
        }

        public override void Dispose() => inner.Dispose();
    }

    private sealed class Sse(SsePassThrough inner) : StreamPump
    {
        private long _events;

        public override TokenUsage? Usage => inner.Usage;

        public override long DataEvents => _events;

        public override void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
        {
            _events += chunk.Count("data:"u8);
            inner.Process(chunk, output);
        }

        public override FormatError? Complete(IBufferWriter<byte> output, RelayErrorWriter errors, FormatError? transportError)
        {
            inner.Complete();
            if (transportError is not null)
            {
                errors.WriteStreamError(output, RelayErrorKind.Upstream, transportError.Message);
            }

            return transportError;
        }

        public override void Dispose() => inner.Dispose();
    }

    /// <summary>A Gemini SSE upstream relayed as Google's streamed JSON array; a failure becomes the array's last element.</summary>
    private sealed class GeminiArray(GeminiJsonArrayPassThrough inner) : StreamPump
    {
        public override TokenUsage? Usage => inner.Usage;

        public override long DataEvents => inner.EventCount;

        public override void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output) => inner.Process(chunk, output);

        public override FormatError? Complete(IBufferWriter<byte> output, RelayErrorWriter errors, FormatError? transportError)
        {
            inner.Complete(output, transportError);
            return transportError;
        }

        public override void Dispose() => inner.Dispose();
    }

    private sealed class Rewriting(SseRewriteSession session) : StreamPump
    {
        private long _events;

        public override TokenUsage? Usage => session.Usage;

        public override long DataEvents => _events;

        public override void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
        {
            _events += chunk.Count("data:"u8);
            session.Write(chunk, output);
        }

        // The rewriter ends the caller's stream with its own family's closing events, error or not.
        public override FormatError? Complete(IBufferWriter<byte> output, RelayErrorWriter errors, FormatError? transportError) =>
            session.Complete(output, transportError);

        public override void Dispose() => session.Dispose();
    }
}
