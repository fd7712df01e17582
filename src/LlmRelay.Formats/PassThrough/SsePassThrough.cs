using System.Buffers;
using LlmRelay.Formats.Sse;

namespace LlmRelay.Formats.PassThrough;

/// <summary>Copies a same-format SSE stream byte for byte while a <see cref="UsageSniffer"/> reads its usage.</summary>
/// <remarks>Used for Anthropic, Gemini and Responses streams; OpenAI chat streams use <see cref="OpenAIStreamPassThrough"/>, which can also strip the usage chunk. Not thread-safe.</remarks>
public sealed class SsePassThrough(WireFormat format) : IDisposable
{
    private readonly SseEventReader _reader = new();
    private readonly UsageSniffer _usage = new(format);

    /// <summary>Gets the usage the stream reported so far, normalised.</summary>
    public TokenUsage? Usage => _usage.Usage;

    /// <summary>Copies a chunk of upstream bytes (any split) to <paramref name="output"/> and reads usage from its complete events.</summary>
    /// <param name="chunk">The upstream bytes.</param>
    /// <param name="output">Where the unchanged bytes go.</param>
    public void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        output.Write(chunk);
        while (_reader.TryRead(ref chunk, out _, out var data))
        {
            _usage.Observe(data);
        }
    }

    /// <summary>Reads usage from a last event the upstream did not terminate with a blank line.</summary>
    public void Complete()
    {
        if (_reader.TryFlush(out _, out var data))
        {
            _usage.Observe(data);
        }
    }

    /// <summary>Returns the reader's pooled buffers.</summary>
    public void Dispose() => _reader.Dispose();
}
