namespace LlmRelay.FunctionalTests.Relay.Units;

/// <summary>A read-only stream of <c>length</c> bytes of a fixed pattern, produced as it is read: a large upload that the test itself never holds.</summary>
internal sealed class PatternStream(long length, bool seekable = true) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => seekable;

    public override bool CanWrite => false;

    public override long Length => seekable ? length : throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => _position = seekable ? value : throw new NotSupportedException();
    }

    /// <summary>Returns the byte at <paramref name="offset"/>.</summary>
    public static byte At(long offset) => (byte)((offset * 31) ^ (offset >> 11));

    /// <summary>Returns whether <paramref name="bytes"/> is the pattern from its start.</summary>
    public static bool Matches(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != At(i))
            {
                return false;
            }
        }

        return true;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < count; i++)
        {
            buffer[i] = At(_position + i);
        }

        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
