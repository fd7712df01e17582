using System.Buffers;

namespace LlmRelay.Formats.Internal;

/// <summary>A growable byte buffer backed by <see cref="ArrayPool{T}"/>; reused across events.</summary>
/// <remarks>Infrastructure shared by the LlmRelay packages, not meant for direct use: it may change in any release. Not thread-safe.</remarks>
public sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;
    private int _length;

    /// <summary>Initializes a new instance of the <see cref="PooledBuffer"/> class.</summary>
    /// <param name="initialCapacity">The minimum size of the first rented array.</param>
    public PooledBuffer(int initialCapacity = 256)
    {
        _array = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>Gets the number of bytes written.</summary>
    public int Length => _length;

    /// <summary>Gets the bytes written so far (valid until the next write).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _length);

    /// <summary>Gets the bytes written so far as memory (valid until the next write).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _length);

    /// <summary>Forgets the written bytes, keeping the rented array.</summary>
    public void Clear() => _length = 0;

    /// <summary>Appends <paramref name="bytes"/>.</summary>
    /// <param name="bytes">The bytes to copy in.</param>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Appends one byte.</summary>
    /// <param name="b">The byte.</param>
    public void Append(byte b)
    {
        GetSpan(1)[0] = b;
        _length++;
    }

    /// <inheritdoc/>
    public void Advance(int count) => _length += count;

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_length);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_length);
    }

    /// <summary>Returns the array to the pool; the buffer is empty afterwards.</summary>
    public void Dispose()
    {
        byte[] a = _array;
        _array = [];
        _length = 0;
        if (a.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(a);
        }
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (_array.Length - _length >= sizeHint)
        {
            return;
        }

        int newSize = Math.Max(_array.Length * 2, _length + sizeHint);
        byte[] next = ArrayPool<byte>.Shared.Rent(newSize);
        _array.AsSpan(0, _length).CopyTo(next);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = next;
    }
}
