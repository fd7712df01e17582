using System.Net;

namespace LlmRelay.Diagnostics;

/// <summary>An upstream answer's body, passed through unchanged while the bytes the caller reads are recorded (up to the cap).</summary>
/// <remarks>Nothing is buffered or delayed: each read of the caller is one read of the upstream's stream, copied aside as it passes.</remarks>
internal sealed class CapturingContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly UpstreamCaptureRecording _recording;

    public CapturingContent(HttpContent inner, UpstreamCaptureRecording recording)
    {
        _inner = inner;
        _recording = recording;
        foreach (var (name, values) in inner.Headers.NonValidated)
        {
            Headers.TryAddWithoutValidation(name, values);
        }
    }

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new CapturingStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _recording);

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var source = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _inner.Headers.ContentLength ?? 0;
        return _inner.Headers.ContentLength is not null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _recording.Finish();
        }

        base.Dispose(disposing);
    }
}
