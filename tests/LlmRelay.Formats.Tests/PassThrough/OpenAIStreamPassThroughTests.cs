using System.Buffers;
using System.Text;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.PassThrough;

public sealed class OpenAIStreamPassThroughTests
{
    private const string Content =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n" +
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"héllo ✓ \\\"usage\\\": {\"},\"finish_reason\":null}],\"usage\":null}\n\n" +
        ": keep-alive comment\n\n" +
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n";

    private const string UsageChunk =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":16,\"completion_tokens\":10,\"total_tokens\":26,\"prompt_tokens_details\":{\"cached_tokens\":8},\"completion_tokens_details\":{\"reasoning_tokens\":3}}}\n\n";

    private const string Done = "data: [DONE]\n\n";

    private static (string Output, TokenUsage? Usage, bool SawDone) Run(byte[] input, bool strip, IEnumerable<int> splits)
    {
        var output = new ArrayBufferWriter<byte>();
        using var sut = new OpenAIStreamPassThrough(strip);
        var offset = 0;
        foreach (var split in splits.Append(input.Length))
        {
            sut.Process(input.AsSpan(offset, split - offset), output);
            offset = split;
        }

        sut.Complete(output);
        return (Encoding.UTF8.GetString(output.WrittenSpan), sut.Usage, sut.SawDone);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Process_EverySingleSplitPoint_GivesTheSameOutputAndUsage(bool crlf)
    {
        var text = Content + UsageChunk + Done;
        if (crlf)
        {
            text = text.Replace("\n", "\r\n", StringComparison.Ordinal);
        }

        var input = Encoding.UTF8.GetBytes(text);
        var stripped = crlf ? (Content + Done).Replace("\n", "\r\n", StringComparison.Ordinal) : Content + Done;
        for (var split = 0; split <= input.Length; split++)
        {
            var kept = Run(input, strip: false, [split]);
            Assert.Equal(text, kept.Output);
            Assert.Equal(16, kept.Usage!.Value.InputTokens);
            Assert.True(kept.SawDone);

            var removed = Run(input, strip: true, [split]);
            Assert.Equal(stripped, removed.Output);
            Assert.Equal(10, removed.Usage!.Value.OutputTokens);
            Assert.Equal(8, removed.Usage!.Value.CachedInputTokens);
            Assert.Equal(3, removed.Usage!.Value.ReasoningTokens);
        }
    }

    [Fact]
    public void Process_OneByteAtATime_GivesTheSameOutput()
    {
        var input = Encoding.UTF8.GetBytes(Content + UsageChunk + Done);

        var result = Run(input, strip: true, Enumerable.Range(1, input.Length - 1));

        Assert.Equal(Content + Done, result.Output);
        Assert.Equal(26, result.Usage!.Value.TotalTokens);
    }

    [Fact]
    public void Process_UsageOnALastContentChunk_IsReadButNotStripped()
    {
        // Some OpenAI-compatible servers put usage on the finish chunk instead of a separate one.
        const string Finish = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n";

        var result = Run(Encoding.UTF8.GetBytes(Finish + Done), strip: true, []);

        Assert.Equal(Finish + Done, result.Output);
        Assert.Equal(5, result.Usage!.Value.InputTokens);
    }

    [Fact]
    public void Complete_TruncatedStream_FlushesTheIncompleteTail()
    {
        const string Truncated = "data: {\"choices\":[{\"delta\":{\"content\":\"par";

        var result = Run(Encoding.UTF8.GetBytes(Content + Truncated), strip: true, [10]);

        Assert.Equal(Content + Truncated, result.Output);
        Assert.Null(result.Usage);
        Assert.False(result.SawDone);
    }

    [Theory]
    [InlineData("chat-stream-text-include-usage.sse", 16, 10, 0)]
    [InlineData("chat-stream-parallel-tool-calls.sse", -1, -1, -1)]
    [InlineData("chat-stream-cached-tokens-include-usage.sse", -1, -1, 1024)]
    public void Process_RecordedOpenAIStreams_PassThroughUnchanged_AndYieldTheirUsage(string file, int prompt, int completion, int cached)
    {
        var input = File.ReadAllBytes(Path.Combine(TestPaths.RequireSharedUpstream(), "openai", file));

        for (var split = 0; split <= input.Length; split += 97)
        {
            var result = Run(input, strip: false, [split]);
            Assert.Equal(Encoding.UTF8.GetString(input), result.Output);
            Assert.NotNull(result.Usage);
            Assert.True(result.SawDone);
            Assert.True(prompt < 0 || result.Usage.Value.InputTokens == prompt);
            Assert.True(completion < 0 || result.Usage.Value.OutputTokens == completion);
            Assert.True(cached < 0 || result.Usage.Value.CachedInputTokens == cached);

            var stripped = Run(input, strip: true, [split]);
            Assert.DoesNotContain("\"choices\":[],", stripped.Output, StringComparison.Ordinal);
            Assert.EndsWith("data: [DONE]\n\n", stripped.Output, StringComparison.Ordinal);
        }
    }
}
