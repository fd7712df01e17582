using System.Text;
using LlmRelay.Tokenization;

namespace LlmRelay.Core.Tests.Tokenization;

/// <summary>Counting stays linear on text built to make BPE quadratic: long runs without pre-tokenizer splits (issue #13, item 16).</summary>
public sealed class HostileTextCountingTests
{
    private const int TwoMegabytes = 2 * 1024 * 1024;

    public static TheoryData<string> HostileTexts => new()
    {
        new string('a', TwoMegabytes),
        new string(' ', TwoMegabytes),
        new string('中', TwoMegabytes / 2),
        "word " + new string('!', TwoMegabytes) + " tail",
        string.Concat(Enumerable.Repeat("😀", TwoMegabytes / 4)),
        Convert.ToBase64String(Enumerable.Range(0, TwoMegabytes / 2).Select(static i => (byte)(i * 7919 % 251)).ToArray()),
    };

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void Segments_CoverTheTextAndBoundEveryRun(string text)
    {
        var covered = 0;
        var segments = 0;
        foreach (var range in new TextSegments(text))
        {
            var (offset, length) = range.GetOffsetAndLength(text.Length);
            Assert.Equal(covered, offset);
            Assert.True(LongestRun(text.AsSpan(offset, length)) <= TextSegments.MaxRunChars + 1, $"segment {segments} has a run of {LongestRun(text.AsSpan(offset, length))} chars");
            Assert.False(length > 0 && char.IsLowSurrogate(text[offset]), "a segment starts inside a surrogate pair");
            covered += length;
            segments++;
        }

        Assert.Equal(text.Length, covered);
    }

    [Fact(Timeout = 120_000)]
    public async Task CountText_TwoMegabytesOfOneCharacter_IsSane()
    {
        var sut = new SharpTokenCounter();

        var count = await Task.Run(() => sut.CountText("gpt-4o", new string('a', TwoMegabytes)), TestContext.Current.CancellationToken);

        // Every segment is the same 64 'a's, so the whole is that many times the count of one.
        Assert.Equal(TwoMegabytes / TextSegments.MaxRunChars * sut.CountText("gpt-4o", new string('a', TextSegments.MaxRunChars)), count);
    }

    [Fact(Timeout = 120_000)]
    public async Task CountRequest_TwoMegabyteSingleCharacterMessage_IsSane()
    {
        var sut = new SharpTokenCounter();
        var body = Encoding.UTF8.GetBytes("""{"model":"claude-sonnet-4","messages":[{"role":"user","content":""" + "\"" + new string('x', TwoMegabytes) + "\"}]}");

        var count = await Task.Run(() => sut.CountRequest("claude-sonnet-4", body), TestContext.Current.CancellationToken);

        Assert.InRange(count, TwoMegabytes / 64, TwoMegabytes / 2);
    }

    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog.")]
    [InlineData("你好，世界。今天天气很好，我们去公园散步吧。")]
    [InlineData("def f(x):\n    return x * 2  # doubled\n\n\nprint(f(21))")]
    public void CountText_OrdinaryText_IsTheSameAsOnePass(string sample)
    {
        // Ordinary text never has a 64-char run, so segmenting must not change its count, even when it is long.
        var text = string.Concat(Enumerable.Repeat(sample + " ", 2000));
        var encoding = SharpToken.GptEncoding.GetEncoding("o200k_base");

        Assert.Equal(encoding.CountTokens(text), new SharpTokenCounter().CountText("gpt-4o", text));
    }

    [Fact]
    public void TryCountRequest_PastTheDeadline_GivesUp()
    {
        var body = Encoding.UTF8.GetBytes("""{"model":"gpt-4o","messages":[{"role":"user","content":""" + "\"" + new string('a', 100_000) + "\"}]}");

        var sut = new SharpTokenCounter();

        Assert.False(sut.TryCountRequest("gpt-4o", body, new CancellationToken(canceled: true), out var cancelled));
        Assert.Equal(0, cancelled);
        Assert.True(sut.TryCountRequest("gpt-4o", body, TestContext.Current.CancellationToken, out var counted));
        Assert.Equal(sut.CountRequest("gpt-4o", body), counted);
    }

    [Fact]
    public void CountRequest_OverTheCountingCap_IsTheByteEstimate()
    {
        var body = Encoding.UTF8.GetBytes("""{"model":"gpt-4o","messages":[{"role":"user","content":""" + "\"" + new string('a', SharpTokenCounter.MaxCountedBytes) + "\"}]}");

        Assert.Equal(ITokenCounter.EstimateFromBytes(body.Length), new SharpTokenCounter().CountRequest("gpt-4o", body));
    }

    private static int LongestRun(ReadOnlySpan<char> text)
    {
        var longest = 0;
        var run = 0;
        for (var i = 0; i < text.Length; i++)
        {
            run = i > 0 && char.IsWhiteSpace(text[i]) == char.IsWhiteSpace(text[i - 1]) ? run + 1 : 1;
            longest = Math.Max(longest, run);
        }

        return longest;
    }
}
