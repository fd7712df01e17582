using System.Buffers;
using BenchmarkDotNet.Attributes;
using LlmRelay.Formats;
using LlmRelay.Formats.Streaming;

namespace LlmRelay.Benchmarks;

/// <summary>
/// Rewrites a ~1000-event upstream SSE body (fed in 4 KiB network-sized chunks) into another family's stream.
/// Allocated / 1000 is the per-event allocation; upstream bytes / Mean is the throughput.
/// </summary>
[MemoryDiagnoser]
public class StreamRewriteBenchmarks
{
    private const int ChunkSize = 4096;
    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);
    private readonly StreamConversionOptions _options = new() { Created = 1_700_000_000 };
    private byte[] _openAI = [];
    private byte[] _anthropic = [];
    private byte[] _gemini = [];

    [GlobalSetup]
    public void Setup()
    {
        _openAI = StreamInputs.OpenAIChat();
        _anthropic = StreamInputs.Anthropic();
        _gemini = StreamInputs.Gemini();
        Console.WriteLine($"// upstream bytes: openai={_openAI.Length} anthropic={_anthropic.Length} gemini={_gemini.Length}");
    }

    [Benchmark]
    public int OpenAIToAnthropic() => Run(WireFormat.OpenAIChat, WireFormat.Anthropic, _openAI);

    [Benchmark]
    public int AnthropicToOpenAI() => Run(WireFormat.Anthropic, WireFormat.OpenAIChat, _anthropic);

    [Benchmark]
    public int OpenAIToResponses() => Run(WireFormat.OpenAIChat, WireFormat.OpenAIResponses, _openAI);

    [Benchmark]
    public int GeminiToOpenAI() => Run(WireFormat.Gemini, WireFormat.OpenAIChat, _gemini);

    private int Run(WireFormat from, WireFormat to, byte[] input)
    {
        _output.ResetWrittenCount();
        using SseRewriteSession session = StreamRewriters.CreateSession(from, to, _options);
        for (int i = 0; i < input.Length; i += ChunkSize)
        {
            session.Write(input.AsSpan(i, Math.Min(ChunkSize, input.Length - i)), _output);
        }

        session.Complete(_output);
        return _output.WrittenCount;
    }
}
