using System.Buffers;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.OpenAI;

namespace LlmRelay.Formats.PassThrough;

/// <summary>
/// Copies an OpenAI Chat Completions SSE stream byte for byte while reading its usage, and optionally
/// removes the usage-only chunk that the gateway asked the upstream for on the caller's behalf.
/// </summary>
/// <remarks>
/// <code>
///  upstream bytes ──► Process(chunk) ──► complete events: sniff "usage" ──► output (unchanged bytes)
///                          │
///                          └─ incomplete tail kept until the next chunk (only its bytes are copied)
/// </code>
/// When nothing is stripped, every chunk is written to the output as soon as it arrives, so the client
/// sees bytes with no added latency; only the scan waits for an event to be complete. When the usage
/// chunk must be stripped, output stops at the last complete event so that a usage chunk can be dropped
/// whole. Not thread-safe: one instance serves one stream.
/// </remarks>
public sealed class OpenAIStreamPassThrough : IDisposable
{
    private readonly bool _stripUsageChunk;
    private byte[] _pending = [];
    private int _pendingLength;

    /// <summary>Initializes a new instance of the <see cref="OpenAIStreamPassThrough"/> class.</summary>
    /// <param name="stripUsageChunk">Whether to drop chunks that carry only usage (<c>"choices":[]</c>).</param>
    public OpenAIStreamPassThrough(bool stripUsageChunk) => _stripUsageChunk = stripUsageChunk;

    /// <summary>Gets the last usage seen in the stream, if any.</summary>
    public TokenUsage? Usage { get; private set; }

    /// <summary>Gets a value indicating whether the stream's <c>data: [DONE]</c> terminator was seen.</summary>
    public bool SawDone { get; private set; }

    /// <summary>Gets the number of complete events seen.</summary>
    public int EventCount { get; private set; }

    /// <summary>Processes one chunk of upstream bytes and writes what the client must receive.</summary>
    /// <param name="chunk">The bytes just read from the upstream.</param>
    /// <param name="output">The client's writer.</param>
    public void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        if (!_stripUsageChunk)
        {
            output.Write(chunk);
        }

        if (_pendingLength == 0)
        {
            var consumed = ProcessEvents(chunk, output);
            Keep(chunk[consumed..]);
            return;
        }

        Append(chunk);
        var pending = _pending.AsSpan(0, _pendingLength);
        var used = ProcessEvents(pending, output);
        if (used > 0)
        {
            pending[used..].CopyTo(_pending);
            _pendingLength -= used;
        }
    }

    /// <summary>Writes whatever incomplete event remains when the upstream ends.</summary>
    /// <param name="output">The client's writer.</param>
    public void Complete(IBufferWriter<byte> output)
    {
        if (_pendingLength == 0)
        {
            return;
        }

        var tail = _pending.AsSpan(0, _pendingLength);
        ScanEvent(tail);
        if (_stripUsageChunk)
        {
            output.Write(tail);
        }

        _pendingLength = 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_pending.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = [];
        }
    }

    // Returns how many bytes of complete events were consumed (and, when stripping, written).
    private int ProcessEvents(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var consumed = 0;
        while (true)
        {
            var end = FindEventEnd(data[consumed..]);
            if (end < 0)
            {
                return consumed;
            }

            var evt = data.Slice(consumed, end);
            var keep = ScanEvent(evt);
            if (_stripUsageChunk && keep)
            {
                output.Write(evt);
            }

            consumed += end;
        }
    }

    // Reads usage from one event; returns false when the event is a usage-only chunk to strip.
    private bool ScanEvent(ReadOnlySpan<byte> evt)
    {
        EventCount++;
        var data = evt.IndexOf("data:"u8);
        if (data < 0)
        {
            return true;
        }

        var payload = evt[(data + 5)..];
        if (payload.Length > 0 && payload[0] == (byte)' ')
        {
            payload = payload[1..];
        }

        if (payload.StartsWith("[DONE]"u8))
        {
            SawDone = true;
            return true;
        }

        if (!OpenAIUsageReader.TryRead(payload, out var usage))
        {
            return true;
        }

        Usage = usage;
        return !(_stripUsageChunk && HasEmptyChoices(payload));
    }

    // Whether a chunk is OpenAI's usage-only chunk ("choices":[] with a usage object).
    private static bool HasEmptyChoices(ReadOnlySpan<byte> json)
    {
        var index = json.IndexOf("\"choices\""u8);
        if (index < 0)
        {
            return true;
        }

        var position = JsonLocator.SkipWhitespace(json, index + 9);
        if (position >= json.Length || json[position] != (byte)':')
        {
            return false;
        }

        position = JsonLocator.SkipWhitespace(json, position + 1);
        if (position >= json.Length || json[position] != (byte)'[')
        {
            return false;
        }

        position = JsonLocator.SkipWhitespace(json, position + 1);
        return position < json.Length && json[position] == (byte)']';
    }

    // Finds the end of the first event (just past its blank line), or -1 when it is incomplete.
    private static int FindEventEnd(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        while (true)
        {
            var newline = data[offset..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                return -1;
            }

            var next = offset + newline + 1;
            if (next < data.Length && data[next] == (byte)'\n')
            {
                return next + 1;
            }

            if (next + 1 < data.Length && data[next] == (byte)'\r' && data[next + 1] == (byte)'\n')
            {
                return next + 2;
            }

            if (next >= data.Length || (next + 1 >= data.Length && data[next] == (byte)'\r'))
            {
                return -1;
            }

            offset = next;
        }
    }

    private void Keep(ReadOnlySpan<byte> tail)
    {
        if (!tail.IsEmpty)
        {
            Append(tail);
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        var required = _pendingLength + bytes.Length;
        if (required > _pending.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(required, 4096));
            _pending.AsSpan(0, _pendingLength).CopyTo(grown);
            if (_pending.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_pending);
            }

            _pending = grown;
        }

        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength = required;
    }
}
