using System.Buffers;
using System.Text.Json;

namespace LlmRelay.Formats.Streaming;

/// <summary>An <see cref="IStreamRewriter"/> made of a source-family decoder and a target-family encoder.</summary>
internal sealed class ConvertingStreamRewriter : IStreamRewriter
{
    private readonly StreamDecoder _decoder;
    private readonly StreamEncoder _encoder;
    private FormatError? _nonSseError;

    public ConvertingStreamRewriter(StreamDecoder decoder, StreamEncoder encoder)
    {
        _decoder = decoder;
        _encoder = encoder;
    }

    public TokenUsage? Usage => _decoder.Usage;

    public bool IsCompleted => _encoder.Completed;

    public FormatError? Process(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (_encoder.Completed)
        {
            return null;
        }

        try
        {
            return _decoder.Decode(eventType, data, _encoder, output);
        }
        catch (JsonException ex)
        {
            return FormatError.Json("Upstream event is not valid JSON: " + ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            return FormatError.Shape("Upstream event has an unexpected shape: " + ex.Message);
        }
    }

    public FormatError? ProcessNonSseBody(ReadOnlySpan<byte> body)
    {
        _nonSseError = _decoder.DecodeErrorBody(body);
        return _nonSseError;
    }

    public FormatError? Complete(IBufferWriter<byte> output, FormatError? error = null)
    {
        if (_encoder.Completed)
        {
            return null;
        }

        FormatError? final = _decoder.UpstreamError ?? _nonSseError ?? error;
        if (final is null && _decoder.Finish is null && !_decoder.Terminated)
        {
            final = FormatError.Truncated;
        }

        _encoder.Complete(_decoder.Usage, _decoder.Finish, final, output);
        return _encoder.CompletionError ?? final;
    }

    public void Dispose()
    {
        _decoder.Dispose();
        _encoder.Dispose();
    }
}
