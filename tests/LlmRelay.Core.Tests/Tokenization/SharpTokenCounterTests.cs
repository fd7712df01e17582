using System.Text;
using LlmRelay.Tokenization;

namespace LlmRelay.Core.Tests.Tokenization;

public sealed class SharpTokenCounterTests
{
    private static SharpTokenCounter CreateSut() => new();

    // Expected counts were taken from SharpToken 2.0.6 (tiktoken-compatible) once and hard-coded.
    [Theory]
    [InlineData("gpt-4o", "hello world", 2)]
    [InlineData("gpt-4", "hello world", 2)]
    [InlineData("gpt-4o", "The quick brown fox jumps over the lazy dog.", 10)]
    [InlineData("gpt-4o", "你好，世界", 3)]
    [InlineData("gpt-4", "你好，世界", 6)]
    [InlineData("claude-sonnet-4-5", "你好，世界", 6)]
    [InlineData("gpt-4o", "", 0)]
    public void CountText_KnownStrings_MatchTiktoken(string model, string text, int expected) =>
        Assert.Equal(expected, CreateSut().CountText(model, text));

    [Fact]
    public void CountText_SpecialTokenMarker_CountsAsPlainText() =>
        Assert.Equal(7, CreateSut().CountText("gpt-4o", "<|endoftext|>"));

    [Theory]
    [InlineData("gpt-4o", true)]
    [InlineData("gpt-4o-mini-2024-07-18", true)]
    [InlineData("gpt-4.1-nano", true)]
    [InlineData("gpt-5", true)]
    [InlineData("o1", true)]
    [InlineData("o3-mini", true)]
    [InlineData("o4-mini", true)]
    [InlineData("openai/gpt-4o", true)]
    [InlineData("gpt-4", false)]
    [InlineData("gpt-4-turbo", false)]
    [InlineData("gpt-3.5-turbo", false)]
    [InlineData("text-embedding-3-small", false)]
    [InlineData("claude-sonnet-4-20250514", false)]
    [InlineData("gemini-2.5-pro", false)]
    [InlineData("o1x", false)]
    public void UsesO200k_ModelFamilies_PickTheEncoding(string model, bool expected) =>
        Assert.Equal(expected, SharpTokenCounter.UsesO200k(model));

    [Fact]
    public void CountCompletionText_SameAsCountText() =>
        Assert.Equal(CreateSut().CountText("gpt-4o", "The quick brown fox"), CreateSut().CountCompletionText("gpt-4o", "The quick brown fox"));

    [Fact]
    public void CountRequest_OpenAIChat_CountsRolesContentAndCookbookOverhead()
    {
        var body = """{"model":"gpt-4o","messages":[{"role":"user","content":"hello world"}],"temperature":0.2,"stream":true}"""u8;

        // "user" (1) + "hello world" (2) + 3 per message + 3 reply priming; OpenAI reports 9 for this prompt.
        Assert.Equal(9, CreateSut().CountRequest("gpt-4o", body));
    }

    [Fact]
    public void CountRequest_AnthropicBlocksAndTools_CountsTextSchemaAndToolPrompt()
    {
        var sut = CreateSut();
        var body = Encoding.UTF8.GetBytes("""
            {"model":"claude-sonnet-4-5","max_tokens":1024,
             "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
             "messages":[{"role":"user","content":[{"type":"text","text":"hello world"}]}],
             "tools":[{"name":"lookup","description":"Looks up a word.","input_schema":{"type":"object"}}]}
            """);
        var m = "claude-sonnet-4-5";
        var expected = sut.CountText(m, "Be brief.") + sut.CountText(m, "user") + sut.CountText(m, "hello world")
            + sut.CountText(m, "lookup") + sut.CountText(m, "Looks up a word.") + sut.CountText(m, """{"type":"object"}""")
            + (2 * SharpTokenCounter.TokensPerMessage) + SharpTokenCounter.ReplyPrimingTokens + SharpTokenCounter.ClaudeToolUseTokens;

        Assert.Equal(expected, sut.CountRequest(m, body));
    }

    [Fact]
    public void CountRequest_GeminiContents_CountsPartsAndSystemInstruction()
    {
        var sut = CreateSut();
        var body = """{"contents":[{"role":"user","parts":[{"text":"hello world"}]}],"systemInstruction":{"parts":[{"text":"Be brief."}]}}"""u8;
        var m = "gemini-2.5-flash";
        var expected = sut.CountText(m, "user") + sut.CountText(m, "hello world") + sut.CountText(m, "Be brief.")
            + (2 * SharpTokenCounter.TokensPerMessage) + SharpTokenCounter.ReplyPrimingTokens;

        Assert.Equal(expected, sut.CountRequest(m, body));
    }

    [Fact]
    public void CountRequest_InlineImage_CountsFlatEstimateNotBase64()
    {
        var base64 = Convert.ToBase64String(new byte[30_000]);
        var body = Encoding.UTF8.GetBytes($$$"""{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,{{{base64}}}"}}]}]}""");

        // "user" (1) + one image + 3 per message + 3 priming.
        Assert.Equal(1 + SharpTokenCounter.MediaTokens + 6, CreateSut().CountRequest("gpt-4o", body));
    }

    [Fact]
    public void CountRequest_EscapedText_CountsUnescapedValue()
    {
        var sut = CreateSut();
        var body = """{"messages":[{"role":"user","content":"line one\nline \"two\" \u00e9"}]}"""u8;

        Assert.Equal(sut.CountText("gpt-4o", "user") + sut.CountText("gpt-4o", "line one\nline \"two\" é") + 6, sut.CountRequest("gpt-4o", body));
    }

    [Fact]
    public void CountRequest_EmbeddingsInput_CountsStringsAndTokenIds()
    {
        var sut = CreateSut();

        Assert.Equal(4, sut.CountRequest("text-embedding-3-small", """{"model":"text-embedding-3-small","input":["hello world","hello world"]}"""u8));
        Assert.Equal(3, sut.CountRequest("text-embedding-3-small", """{"model":"text-embedding-3-small","input":[[1,2,3]]}"""u8));
    }

    [Fact]
    public void CountRequest_TruncatedJson_ReturnsWhatWasRead()
    {
        var count = CreateSut().CountRequest("gpt-4o", """{"messages":[{"role":"user","content":"hello world"},{"role":"assi"""u8);

        Assert.Equal(1 + 2 + 3 + 3 + 3, count); // first message in full, the second one's overhead
    }

    [Fact]
    public void CountRequest_EmptyBody_IsZero() =>
        Assert.Equal(0, CreateSut().CountRequest("gpt-4o", default));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-5, 0)]
    [InlineData(3_000, 1_400)]
    [InlineData(int.MaxValue, (int.MaxValue / 3) + 400)]
    public void EstimateFromBytes_Sizes_BytesOverThreePlusOverhead(int bytes, int expected) =>
        Assert.Equal(expected, ITokenCounter.EstimateFromBytes(bytes));

    [Fact]
    public void CountRequest_ConcurrentCallers_AgreeWithSingleThreadedCount()
    {
        var sut = CreateSut();
        var body = Encoding.UTF8.GetBytes("""{"messages":[{"role":"user","content":"The quick brown fox jumps over the lazy dog."}]}""");
        var expected = sut.CountRequest("gpt-4o", body);
        var results = new int[64];

        Parallel.For(0, results.Length, i => results[i] = sut.CountRequest(i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini", body));

        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
