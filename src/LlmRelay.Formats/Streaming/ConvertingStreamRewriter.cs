using System.Buffers;
using System.Text.Json;

namespace LlmRelay.Formats.Streaming;

/// <summary>An <see cref="IStreamRewriter"/> made of a source-family decoder and a target-family encoder.</summary>
public sealed class ConvertingStreamRewriter : IStreamRewriter
{
    private readonly StreamDecoder _decoder;
    private readonly StreamEncoder _encoder;
    private FormatError? _nonSseError;

    /// <summary>Initializes a new instance of the <see cref="ConvertingStreamRewriter"/> class.</summary>
    /// <param name="decoder">Reads the upstream family's events; disposed with the rewriter.</param>
    /// <param name="encoder">Writes the caller family's events; disposed with the rewriter.</param>
    public ConvertingStreamRewriter(StreamDecoder decoder, StreamEncoder encoder)
    {
        _decoder = decoder;
        _encoder = encoder;
    }

    /// <inheritdoc/>
    public TokenUsage? Usage => _decoder.Usage;

    /// <inheritdoc/>
    public bool IsCompleted => _encoder.Completed;

    /// <inheritdoc/>
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

    /// <inheritdoc/>
    public FormatError? ProcessNonSseBody(ReadOnlySpan<byte> body)
    {
        _nonSseError = _decoder.DecodeErrorBody(body);
        return _nonSseError;
    }

    /// <inheritdoc/>
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

    /// <summary>Disposes the decoder and the encoder.</summary>
    public void Dispose()
    {
        _decoder.Dispose();
        _encoder.Dispose();
    }
}
