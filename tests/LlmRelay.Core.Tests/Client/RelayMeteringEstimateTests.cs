using System.Text;
using LlmRelay.Client;
using LlmRelay.Tokenization;

namespace LlmRelay.Core.Tests.Client;

/// <summary>Counting never fails a settlement: whatever the counter throws, the byte estimate stands in.</summary>
public sealed class RelayMeteringEstimateTests
{
    [Fact]
    public void Estimate_CounterThrows_FallsBackToTheByteEstimate()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":"tell me """), 0xFF, 0x80, 0xE2, 0x82, .. Encoding.UTF8.GetBytes(""" about it"}]}""")];

        var usage = RelayMetering.Estimate(new ThrowingCounter(), "m", body, completionTokens: 4);

        Assert.Equal(ITokenCounter.EstimateFromBytes(body.Length), usage.InputTokens);
        Assert.Equal(4, usage.OutputTokens);
        Assert.Equal(usage.InputTokens + 4, usage.TotalTokens);
    }

    [Fact]
    public void CountText_CounterThrows_FallsBackToBytesOverThree()
    {
        Assert.Equal(Encoding.UTF8.GetByteCount("forty-two, and more") / 3, RelayMetering.CountText(new ThrowingCounter(), "m", "forty-two, and more"));
    }

    [Fact]
    public void Estimate_RealCounter_InvalidUtf8Prompt_DoesNotThrow()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("""{"model":"gpt-4o","messages":[{"role":"user","content":"tell me """), 0xFF, 0x80, 0xE2, 0x82, .. Encoding.UTF8.GetBytes(""" about it"}]}""")];

        var usage = RelayMetering.Estimate(new SharpTokenCounter(), "gpt-4o", body, completionTokens: 1);

        Assert.True(usage.InputTokens > 0);
    }

    private sealed class ThrowingCounter : ITokenCounter
    {
        public int CountText(string model, ReadOnlySpan<char> text) => throw new InvalidOperationException("boom");

        public int CountRequest(string model, ReadOnlySpan<byte> jsonBody) => throw new InvalidOperationException("boom");

        public bool TryCountRequest(string model, ReadOnlySpan<byte> jsonBody, CancellationToken deadline, out int tokens) => throw new InvalidOperationException("boom");

        public int CountCompletionText(string model, string text) => throw new InvalidOperationException("boom");
    }
}
