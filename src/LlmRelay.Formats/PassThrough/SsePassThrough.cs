using System.Buffers;
using LlmRelay.Formats.Sse;

namespace LlmRelay.Formats.PassThrough;

/// <summary>Copies a same-format SSE stream byte for byte while a <see cref="UsageSniffer"/> reads its usage.</summary>
/// <remarks>Used for Anthropic, Gemini and Responses streams; OpenAI chat streams use <see cref="OpenAIStreamPassThrough"/>, which can also strip the usage chunk. Not thread-safe.</remarks>
internal sealed class SsePassThrough(WireFormat format) : IDisposable
{
    private readonly SseEventReader _reader = new();
    private readonly UsageSniffer _usage = new(format);

    public TokenUsage? Usage => _usage.Usage;

    public void Process(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        output.Write(chunk);
        while (_reader.TryRead(ref chunk, out _, out var data))
        {
            _usage.Observe(data);
        }
    }

    public void Complete()
    {
        if (_reader.TryFlush(out _, out var data))
        {
            _usage.Observe(data);
        }
    }

    public void Dispose() => _reader.Dispose();
}
