using System.Buffers;
using BenchmarkDotNet.Attributes;
using LlmRelay.Formats;
using LlmRelay.Formats.PassThrough;

namespace LlmRelay.Benchmarks;

/// <summary>Same-format pass-through: an OpenAI chat stream copied to the client while only its usage is read.</summary>
/// <remarks>Each operation moves one ~1,000-event upstream body fed in 4 KiB chunks, as the relay's read loop does.</remarks>
[MemoryDiagnoser]
public class PassThroughBenchmarks
{
    private const int ChunkSize = 4096;
    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);
    private byte[] _openAI = [];
    private byte[] _anthropic = [];

    [GlobalSetup]
    public void Setup()
    {
        _openAI = StreamInputs.OpenAIChat();
        _anthropic = StreamInputs.Anthropic();
    }

    [Benchmark(Baseline = true, Description = "OpenAI, copy + usage")]
    public long OpenAICopy() => RunOpenAI(strip: false);

    [Benchmark(Description = "OpenAI, copy + usage + strip usage chunk")]
    public long OpenAIStrip() => RunOpenAI(strip: true);

    [Benchmark(Description = "Anthropic, copy + usage")]
    public long AnthropicCopy()
    {
        _output.ResetWrittenCount();
        using var pump = new SsePassThrough(WireFormat.Anthropic);
        for (var offset = 0; offset < _anthropic.Length; offset += ChunkSize)
        {
            pump.Process(_anthropic.AsSpan(offset, Math.Min(ChunkSize, _anthropic.Length - offset)), _output);
        }

        pump.Complete();
        return pump.Usage?.TotalTokens ?? -1;
    }

    private long RunOpenAI(bool strip)
    {
        _output.ResetWrittenCount();
        using var pump = new OpenAIStreamPassThrough(strip);
        for (var offset = 0; offset < _openAI.Length; offset += ChunkSize)
        {
            pump.Process(_openAI.AsSpan(offset, Math.Min(ChunkSize, _openAI.Length - offset)), _output);
        }

        pump.Complete(_output);
        return pump.Usage?.TotalTokens ?? -1;
    }
}
