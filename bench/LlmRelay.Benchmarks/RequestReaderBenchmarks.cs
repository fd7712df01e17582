using System.Text;
using System.Text.Unicode;
using BenchmarkDotNet.Attributes;
using LlmRelay.Formats.PassThrough;

namespace LlmRelay.Benchmarks;

/// <summary>What validating and sniffing a chat request body costs on the hot path, and the share of it the UTF-8 check takes.</summary>
/// <remarks>
/// <see cref="TryRead"/> is the whole reader (one <c>Utf8JsonReader</c> pass over the document plus <see cref="Utf8.IsValid(ReadOnlySpan{byte})"/>);
/// <see cref="Utf8Check"/> is the UTF-8 check alone, the part issue #13 added: the reader before it cost <c>TryRead - Utf8Check</c>.
/// </remarks>
[MemoryDiagnoser]
public class RequestReaderBenchmarks
{
    private byte[] _body = [];

    /// <summary>Gets or sets the approximate body size in bytes.</summary>
    [Params(2_000, 200_000)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // English prose with some non-ASCII (accents, CJK), in alternating turns, as chat clients send it.
        const string Turn = "The relay reads usage from the upstream answer and settles the reserved quota — café, naïve, 你好世界. ";
        var sb = new StringBuilder("""{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"max_tokens":512,"messages":[""");
        var first = true;
        while (sb.Length < Size)
        {
            sb.Append(first ? "" : ",").Append("""{"role":"user","content":""").Append('"').Append(Turn).Append(Turn).Append("\"}");
            first = false;
        }

        sb.Append("""],"temperature":0.2}""");
        _body = Encoding.UTF8.GetBytes(sb.ToString());
    }

    [Benchmark(Baseline = true)]
    public bool TryRead() => OpenAIChatRequestReader.TryRead(_body, out _) is null;

    [Benchmark]
    public bool Utf8Check() => Utf8.IsValid(_body);
}
