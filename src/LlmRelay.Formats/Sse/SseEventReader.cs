using LlmRelay.Formats.Internal;

namespace LlmRelay.Formats.Sse;

/// <summary>
/// Incremental, allocation-free parser for <c>text/event-stream</c> bytes fed in arbitrary chunks.
/// </summary>
/// <remarks>
/// Handles LF, CRLF and CR line endings (also when a CRLF pair is split across chunks), comment lines
/// (<c>: keep-alive</c>), multi-line <c>data:</c> fields (joined with LF), <c>event:</c> names and a leading
/// UTF-8 BOM. <c>id:</c> and <c>retry:</c> are ignored. The spans handed out are valid until the next call.
/// Not thread-safe. <see cref="System.Net.ServerSentEvents.SseParser"/> allocates a string per event; this
/// parser is the hot-path variant (see bench/LlmRelay.Benchmarks).
/// </remarks>
public sealed class SseEventReader : IDisposable
{
    private readonly PooledBuffer _line = new(512);
    private readonly PooledBuffer _data = new(1024);
    private readonly PooledBuffer _event = new(64);
    private bool _hasData;
    private bool _skipLf;
    private bool _started;
    private bool _dispatched;

    /// <summary>Gets the number of events dispatched so far.</summary>
    public long EventCount { get; private set; }

    /// <summary>
    /// Consumes bytes from <paramref name="input"/> until one event is complete.
    /// </summary>
    /// <returns><see langword="true"/> with the event, or <see langword="false"/> once all input is consumed.</returns>
    public bool TryRead(ref ReadOnlySpan<byte> input, out ReadOnlySpan<byte> eventType, out ReadOnlySpan<byte> data)
    {
        if (!_started && !input.IsEmpty)
        {
            if (!SkipBom(ref input))
            {
                eventType = default;
                data = default;
                return false;
            }
        }

        while (!input.IsEmpty)
        {
            if (_skipLf)
            {
                _skipLf = false;
                if (input[0] == (byte)'\n')
                {
                    input = input[1..];
                    continue;
                }
            }

            int eol = input.IndexOfAny((byte)'\r', (byte)'\n');
            if (eol < 0)
            {
                _line.Append(input);
                input = default;
                break;
            }

            ReadOnlySpan<byte> line;
            if (_line.Length > 0)
            {
                _line.Append(input[..eol]);
                line = _line.WrittenSpan;
            }
            else
            {
                line = input[..eol];
            }

            if (input[eol] == (byte)'\r')
            {
                if (eol + 1 < input.Length)
                {
                    if (input[eol + 1] == (byte)'\n')
                    {
                        eol++;
                    }
                }
                else
                {
                    _skipLf = true;
                }
            }

            input = input[(eol + 1)..];
            bool dispatch = ProcessLine(line);
            _line.Clear();
            if (dispatch)
            {
                eventType = _event.WrittenSpan;
                data = _data.WrittenSpan;
                return true;
            }
        }

        eventType = default;
        data = default;
        return false;
    }

    /// <summary>Flushes a final event that was not terminated by a blank line (lenient end of stream).</summary>
    public bool TryFlush(out ReadOnlySpan<byte> eventType, out ReadOnlySpan<byte> data)
    {
        if (_line.Length > 0)
        {
            ProcessLine(_line.WrittenSpan);
            _line.Clear();
        }

        if (ProcessLine(default))
        {
            eventType = _event.WrittenSpan;
            data = _data.WrittenSpan;
            return true;
        }

        eventType = default;
        data = default;
        return false;
    }

    /// <summary>Gets a value indicating whether bytes of an unfinished event are buffered.</summary>
    public bool HasPendingEvent => _hasData || _line.Length > 0;

    /// <summary>Returns the pooled line and data buffers.</summary>
    public void Dispose()
    {
        _line.Dispose();
        _data.Dispose();
        _event.Dispose();
    }

    private bool SkipBom(ref ReadOnlySpan<byte> input)
    {
        // The BOM may itself be split across chunks; hold back up to two bytes.
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        if (_line.Length == 0 && input.Length >= 3)
        {
            _started = true;
            if (input.StartsWith(bom))
            {
                input = input[3..];
            }

            return true;
        }

        _line.Append(input);
        input = default;
        ReadOnlySpan<byte> held = _line.WrittenSpan;
        if (held.Length >= 3 || !bom.StartsWith(held))
        {
            _started = true;
            int skip = held.StartsWith(bom) ? 3 : 0;
            byte[] copy = held[skip..].ToArray();
            _line.Clear();
            input = copy;
            return true;
        }

        return false;
    }

    private bool ProcessLine(ReadOnlySpan<byte> line)
    {
        if (_dispatched)
        {
            _data.Clear();
            _event.Clear();
            _dispatched = false;
        }

        if (line.IsEmpty)
        {
            if (!_hasData)
            {
                _event.Clear();
                return false;
            }

            _hasData = false;
            _dispatched = true;
            EventCount++;
            return true;
        }

        if (line[0] == (byte)':')
        {
            return false;
        }

        int colon = line.IndexOf((byte)':');
        ReadOnlySpan<byte> name = colon < 0 ? line : line[..colon];
        ReadOnlySpan<byte> value = colon < 0 ? default : line[(colon + 1)..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        if (name.SequenceEqual("data"u8))
        {
            if (_hasData)
            {
                _data.Append((byte)'\n');
            }

            _data.Append(value);
            _hasData = true;
        }
        else if (name.SequenceEqual("event"u8))
        {
            _event.Clear();
            _event.Append(value);
        }

        return false;
    }
}
