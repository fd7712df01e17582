using System.Net.ServerSentEvents;
using BenchmarkDotNet.Attributes;
using LlmRelay.Formats.Sse;

namespace LlmRelay.Benchmarks;

/// <summary>Why Formats has its own SSE parser: System.Net.ServerSentEvents allocates a string per event.</summary>
[MemoryDiagnoser]
public class SseParserBenchmarks
{
    private byte[] _input = [];

    [GlobalSetup]
    public void Setup() => _input = StreamInputs.OpenAIChat();

    [Benchmark(Baseline = true)]
    public int SystemNetServerSentEvents()
    {
        int n = 0;
        foreach (SseItem<string> item in SseParser.Create(new MemoryStream(_input, writable: false)).Enumerate())
        {
            n += item.Data.Length;
        }

        return n;
    }

    [Benchmark]
    public int SystemNetServerSentEventsSpanParser()
    {
        int n = 0;
        foreach (SseItem<int> item in SseParser.Create(new MemoryStream(_input, writable: false), static (_, data) => data.Length).Enumerate())
        {
            n += item.Data;
        }

        return n;
    }

    [Benchmark]
    public int SseEventReader()
    {
        int n = 0;
        using var reader = new SseEventReader();
        for (int i = 0; i < _input.Length; i += 4096)
        {
            ReadOnlySpan<byte> chunk = _input.AsSpan(i, Math.Min(4096, _input.Length - i));
            while (reader.TryRead(ref chunk, out _, out ReadOnlySpan<byte> data))
            {
                n += data.Length;
            }
        }

        return n;
    }
}
