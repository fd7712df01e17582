using BenchmarkDotNet.Attributes;
using LlmRelay.Client;
using LlmRelay.Formats;
using Microsoft.Extensions.AI;

namespace LlmRelay.Benchmarks;

/// <summary>
/// Decodes a ~1000-event upstream SSE body (fed in 4 KiB network-sized chunks) into <see cref="ChatResponseUpdate"/> values,
/// as <c>RelayChatClient</c> reads an HTTP channel's stream. Allocated / 1000 is the per-event allocation.
/// </summary>
[MemoryDiagnoser]
public class ChatUpdateDecoderBenchmarks
{
    private const int ChunkSize = 4096;
    private readonly List<ChatResponseUpdate> _output = [];
    private byte[] _openAI = [];
    private byte[] _anthropic = [];
    private byte[] _gemini = [];

    [GlobalSetup]
    public void Setup()
    {
        _openAI = StreamInputs.OpenAIChat();
        _anthropic = StreamInputs.Anthropic();
        _gemini = StreamInputs.Gemini();
    }

    [Benchmark]
    public int OpenAIChatUpdates() => Run(WireFormat.OpenAIChat, _openAI);

    [Benchmark]
    public int AnthropicUpdates() => Run(WireFormat.Anthropic, _anthropic);

    [Benchmark]
    public int GeminiUpdates() => Run(WireFormat.Gemini, _gemini);

    private int Run(WireFormat upstream, byte[] input)
    {
        var updates = 0;
        using var decoder = new ChatUpdateDecoder(upstream);
        for (int i = 0; i < input.Length; i += ChunkSize)
        {
            decoder.Write(input.AsSpan(i, Math.Min(ChunkSize, input.Length - i)), _output);
            updates += _output.Count;
            _output.Clear();
        }

        decoder.Complete(_output);
        updates += _output.Count;
        _output.Clear();
        return updates;
    }
}
