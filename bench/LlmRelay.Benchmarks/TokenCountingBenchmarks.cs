using System.Text;
using BenchmarkDotNet.Attributes;
using LlmRelay.Tokenization;

namespace LlmRelay.Benchmarks;

/// <summary>What counting a ~1K-token chat request costs, next to the byte-size estimate used for reservations.</summary>
[MemoryDiagnoser]
public class TokenCountingBenchmarks
{
    private readonly SharpTokenCounter _counter = new();
    private byte[] _body = [];

    [Params("gpt-4o", "claude-sonnet-4-5")]
    public string Model { get; set; } = "gpt-4o";

    public int PromptTokens { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        // An OpenAI chat body: system prompt, one tool, and a few turns of English prose (~1K o200k tokens).
        var sb = new StringBuilder();
        sb.Append("""{"model":"gpt-4o","stream":true,"messages":[{"role":"system","content":"You are a careful assistant. Answer in plain English and cite the tool results you use."}""");
        const string Turn = "The relay reads usage from the upstream answer and settles the reserved quota; when a stream ends without usage it counts the completion text once. Tokens are counted with the model's encoding, and images are estimated rather than decoded. ";
        for (var i = 0; i < 8; i++)
        {
            var role = i % 2 == 0 ? "user" : "assistant";
            sb.Append(",{\"role\":\"").Append(role).Append("\",\"content\":\"").Append(Turn).Append(Turn).Append(Turn).Append("\"}");
        }

        sb.Append("""],"tools":[{"type":"function","function":{"name":"lookup","description":"Looks up a gateway setting by name.","parameters":{"type":"object","properties":{"name":{"type":"string","description":"Setting name"}},"required":["name"]}}}]}""");
        _body = Encoding.UTF8.GetBytes(sb.ToString());
        PromptTokens = _counter.CountRequest(Model, _body);
    }

    [Benchmark(Baseline = true)]
    public int CountRequest() => _counter.CountRequest(Model, _body);

    [Benchmark]
    public int EstimateFromBytes() => ITokenCounter.EstimateFromBytes(_body.Length);
}
