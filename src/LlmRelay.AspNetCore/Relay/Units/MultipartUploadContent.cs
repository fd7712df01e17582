using System.Net;
using System.Text;

namespace LlmRelay.AspNetCore.Relay.Units;

/// <summary>An upload as one attempt sends it: the caller's buffered sections streamed in order under the caller's boundary, with <c>model</c> set to the channel's name for it (issue #17).</summary>
/// <remarks>
/// <code>
/// --boundary CRLF headers CRLF CRLF ─► section content (rewound, copied from memory / the temporary file) ─► CRLF   (each section)
/// the model section: its value replaced by the upstream's model (appended when the caller sent none) ─► --boundary-- CRLF
/// </code>
/// The length is known before sending (<c>Content-Length</c>). The sections belong to the request, not to this content: a
/// failover creates another content over the same sections. Two contents never copy at once: an attempt whose upstream
/// answered before reading the whole upload may still be sending when the next one starts, so each waits for the other.
/// </remarks>
internal sealed class MultipartUploadContent : HttpContent
{
    private const int CopyBufferSize = 64 * 1024;

    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    private readonly UnitRequest _request;
    private readonly byte[][] _prefixes;
    private readonly byte[] _suffix;

    public MultipartUploadContent(UnitRequest request, string contentType, string upstreamModel)
    {
        _request = request;
        var parts = request.Parts!;
        var boundary = request.Boundary!;
        _prefixes = new byte[parts.Count][];
        var sawModel = false;
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            var isModel = part.Name == "model" && part.FileName is null;
            sawModel |= isModel;
            var prefix = new StringBuilder().Append("--").Append(boundary).Append("\r\n");
            foreach (var header in part.Headers)
            {
                prefix.Append(header).Append("\r\n");
            }

            prefix.Append("\r\n");
            if (isModel)
            {
                prefix.Append(upstreamModel); // the caller's value is not copied after it
            }

            _prefixes[i] = Encoding.UTF8.GetBytes(prefix.ToString());
        }

        var suffix = sawModel ? "" : $"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n{upstreamModel}\r\n";
        _suffix = Encoding.UTF8.GetBytes($"{suffix}--{boundary}--\r\n");
        Headers.TryAddWithoutValidation("Content-Type", contentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var parts = _request.Parts!;
        await _request.UploadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < parts.Count; i++)
            {
                await stream.WriteAsync(_prefixes[i], cancellationToken).ConfigureAwait(false);
                var part = parts[i];
                if (!IsModel(part))
                {
                    part.Content.Position = 0;
                    await part.Content.CopyToAsync(stream, CopyBufferSize, cancellationToken).ConfigureAwait(false);
                }

                await stream.WriteAsync(CrLf, cancellationToken).ConfigureAwait(false);
            }

            await stream.WriteAsync(_suffix, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _request.UploadGate.Release();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        var parts = _request.Parts!;
        length = _suffix.Length;
        for (var i = 0; i < parts.Count; i++)
        {
            length += _prefixes[i].Length + (IsModel(parts[i]) ? 0 : parts[i].Length) + 2;
        }

        return true;
    }

    private static bool IsModel(MultipartPart part) => part.Name == "model" && part.FileName is null;
}
