using System.Buffers;

namespace LlmRelay.Formats.Sse;

/// <summary>Writes <c>text/event-stream</c> frames into an <see cref="IBufferWriter{T}"/>.</summary>
public static class SseWriter
{
    /// <summary>Writes <c>event: name</c> (when not empty) and the <c>data:</c> lines, then a blank line.</summary>
    /// <remarks>Data containing line feeds is split over several <c>data:</c> lines so framing is preserved.</remarks>
    public static void WriteEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, bool crlf = false)
    {
        if (!eventType.IsEmpty)
        {
            Write(output, "event: "u8);
            Write(output, eventType);
            WriteEol(output, crlf);
        }

        while (true)
        {
            int nl = data.IndexOfAny((byte)'\n', (byte)'\r');
            Write(output, "data: "u8);
            if (nl < 0)
            {
                Write(output, data);
                WriteEol(output, crlf);
                break;
            }

            Write(output, data[..nl]);
            WriteEol(output, crlf);
            int skip = data[nl] == (byte)'\r' && nl + 1 < data.Length && data[nl + 1] == (byte)'\n' ? 2 : 1;
            data = data[(nl + skip)..];
        }

        WriteEol(output, crlf);
    }

    /// <summary>Writes the prefix of an event whose JSON data is written next straight into the output.</summary>
    public static void WritePrefix(IBufferWriter<byte> output, ReadOnlySpan<byte> eventType, bool crlf = false)
    {
        if (!eventType.IsEmpty)
        {
            Write(output, "event: "u8);
            Write(output, eventType);
            WriteEol(output, crlf);
        }

        Write(output, "data: "u8);
    }

    /// <summary>Terminates an event started with <see cref="WritePrefix"/>.</summary>
    public static void WriteSuffix(IBufferWriter<byte> output, bool crlf = false)
    {
        if (crlf)
        {
            Write(output, "\r\n\r\n"u8);
        }
        else
        {
            Write(output, "\n\n"u8);
        }
    }

    /// <summary>Writes raw bytes.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        Span<byte> span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    private static void WriteEol(IBufferWriter<byte> output, bool crlf) => Write(output, crlf ? "\r\n"u8 : "\n"u8);
}
