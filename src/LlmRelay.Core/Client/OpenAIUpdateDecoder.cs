using LlmRelay.Formats;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI;
using LlmRelay.Formats.Sse;
using LlmRelay.Formats.Streaming;
using LlmRelay.Health;
using Microsoft.Extensions.AI;

namespace LlmRelay.Client;

/// <summary>Decodes an upstream stream, in any family and any chunking, into <see cref="ChatResponseUpdate"/> values.</summary>
/// <remarks>
/// <code>
/// upstream bytes ─► (not OpenAI: SseRewriteSession ─► OpenAI chunk SSE) ─► SseEventReader ─► chunk JSON ─► OpenAIChunkAssembler
/// </code>
/// An <c>error</c> event is remembered in <see cref="Error"/>; the caller decides whether it ends the stream. Not thread-safe.
/// </remarks>
internal sealed class OpenAIUpdateDecoder : IDisposable
{
    private readonly SseRewriteSession? _session;
    private readonly PooledBuffer? _rewritten;
    private readonly SseEventReader _reader = new();
    private readonly OpenAIChunkAssembler _assembler = new();

    public OpenAIUpdateDecoder(WireFormat upstream)
    {
        if (upstream != WireFormat.OpenAIChat)
        {
            _session = StreamRewriters.CreateSession(upstream, WireFormat.OpenAIChat);
            _rewritten = new PooledBuffer(4096);
        }
    }

    /// <summary>Gets the usage the upstream reported, normalised.</summary>
    public TokenUsage? Usage => _session is not null ? _session.Usage ?? _assembler.Usage : _assembler.Usage;

    /// <summary>Gets the message of the first error event, or <see langword="null"/>.</summary>
    public string? Error { get; private set; }

    /// <summary>Gets the code of the first error event, or <see langword="null"/>.</summary>
    public string? ErrorCode { get; private set; }

    /// <summary>Consumes upstream bytes, adding the updates they complete to <paramref name="output"/>.</summary>
    public void Write(ReadOnlySpan<byte> upstream, List<ChatResponseUpdate> output)
    {
        if (_session is null)
        {
            Read(upstream, output);
            return;
        }

        _rewritten!.Clear();
        _session.Write(upstream, _rewritten);
        Read(_rewritten.WrittenSpan, output);
    }

    /// <summary>Ends the stream, adding the last updates.</summary>
    public void Complete(List<ChatResponseUpdate> output)
    {
        if (_session is not null)
        {
            _rewritten!.Clear();
            if (_session.Complete(_rewritten) is { } error && Error is null)
            {
                Error = error.Message;
                ErrorCode = error.Code;
            }

            Read(_rewritten.WrittenSpan, output);
        }

        if (_reader.TryFlush(out _, out var data))
        {
            Dispatch(data, output);
        }

        _assembler.Complete(output);
    }

    public void Dispose()
    {
        _session?.Dispose();
        _rewritten?.Dispose();
        _reader.Dispose();
    }

    private void Read(ReadOnlySpan<byte> input, List<ChatResponseUpdate> output)
    {
        while (_reader.TryRead(ref input, out _, out var data))
        {
            Dispatch(data, output);
        }
    }

    private void Dispatch(ReadOnlySpan<byte> data, List<ChatResponseUpdate> output)
    {
        if (data.IsEmpty || data.SequenceEqual("[DONE]"u8))
        {
            return;
        }

        var chunk = WireJson.Deserialize(data, WireJson.Context.ChatCompletionChunk);
        if (!chunk.IsSuccess)
        {
            return; // A malformed event is skipped, as the HTTP relay's rewriters do.
        }

        if (chunk.Value.ExtensionData?.ContainsKey("error") == true)
        {
            if (Error is null)
            {
                ChannelFailureClassifier.TryReadError(data, out var code, out var message);
                Error = message ?? "The upstream reported an error in its stream.";
                ErrorCode = code;
            }

            return;
        }

        _assembler.Add(chunk.Value, chunk.Value.Usage is not null && OpenAIUsageReader.TryRead(data, out var usage) ? usage : null, output);
    }
}
