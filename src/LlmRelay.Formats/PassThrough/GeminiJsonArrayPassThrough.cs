using System.Buffers;
using System.Text.Json;
using LlmRelay.Formats.Gemini;
using LlmRelay.Formats.Internal;
using LlmRelay.Formats.Sse;

namespace LlmRelay.Formats.PassThrough;

/// <summary>Relays a Gemini <c>streamGenerateContent?alt=sse</c> stream to a caller that asked for the streamed JSON array (no <c>alt=sse</c>).</summary>
/// <remarks>
/// <code>
/// upstream:  data: {chunk}\r\n\r\n data: {chunk}\r\n\r\n
/// caller:    [{chunk}\n,\r\n{chunk}\n]
/// </code>
/// Each chunk's JSON is copied unchanged (thought signatures, grounding and safety data included) as soon as its event is
/// complete; only the framing changes, to Google's own array framing. The gateway always asks a Gemini channel for SSE, so
/// one upstream form is parsed whatever the caller asked for (issue #16). Not thread-safe: one instance per stream.
/// </remarks>
public sealed class GeminiJsonArrayPassThrough : IDisposable
{
    private readonly SseEventReader _reader = new();
    private readonly UsageSniffer _usage = new(WireFormat.Gemini);
    private bool _opened;
    private bool _closed;

    /// <summary>Gets the usage the stream reported so far, normalised.</summary>
    public TokenUsage? Usage => _usage.Usage;

    /// <summary>Gets how many chunks were relayed.</summary>
    public long EventCount => _reader.EventCount;

    /// <summary>Relays the complete events in a chunk of upstream bytes (any split) as array elements.</summary>
    /// <param name="chunk">The upstream SSE bytes.</param>
    /// <param name="output">Where the caller's array bytes go.</param>
    public void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        while (_reader.TryRead(ref chunk, out _, out var data))
        {
            WriteElement(data, output);
        }
    }

    /// <summary>Relays a last event the upstream did not terminate, reports <paramref name="error"/> as a last element, and closes the array.</summary>
    /// <param name="output">Where the caller's array bytes go.</param>
    /// <param name="error">The failure that ended the upstream stream, or <see langword="null"/>.</param>
    public void Complete(IBufferWriter<byte> output, FormatError? error = null)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        if (_reader.TryFlush(out _, out var data))
        {
            WriteElement(data, output);
        }

        if (error is not null)
        {
            GeminiJsonArray.WriteElementStart(output, ref _opened);
            using (var writer = new Utf8JsonWriter(output, Json.WriterOptions))
            {
                GeminiJsonArray.WriteError(writer, error);
            }

            GeminiJsonArray.WriteElementEnd(output);
        }

        GeminiJsonArray.WriteClose(output, _opened);
    }

    /// <summary>Returns the reader's pooled buffers.</summary>
    public void Dispose() => _reader.Dispose();

    private void WriteElement(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (data.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            return;
        }

        _usage.Observe(data);
        GeminiJsonArray.WriteElementStart(output, ref _opened);
        SseWriter.Write(output, data);
        GeminiJsonArray.WriteElementEnd(output);
    }
}
