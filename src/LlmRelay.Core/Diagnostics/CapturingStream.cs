namespace LlmRelay.Diagnostics;

/// <summary>A read-only stream over an upstream answer that hands every read to the caller as is and copies the bytes aside for the recording.</summary>
internal sealed class CapturingStream(Stream inner, UpstreamCaptureRecording recording) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Seen(buffer[..read], buffer.Length);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            recording.Finish(e.GetType().Name + ": " + e.Message);
            throw;
        }

        Seen(buffer.Span[..read], buffer.Length);
        return read;
    }

    private void Seen(ReadOnlySpan<byte> data, int asked)
    {
        if (data.Length > 0)
        {
            recording.Append(data);
        }
        else if (asked > 0)
        {
            // End of the body (a zero-byte read asked for nothing and proves nothing).
            recording.Finish();
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            recording.Finish();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        recording.Finish();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
