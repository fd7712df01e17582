using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.Streaming;

/// <summary>Feeds the real recorded upstream SSE transcripts (../shared) through every rewriter.</summary>
public sealed class RecordedUpstreamStreamTests
{
    public static TheoryData<string, string> Cases()
    {
        string[] files =
        [
            "openai/chat-stream-text-include-usage.sse",
            "openai/chat-stream-parallel-tool-calls.sse",
            "openai/chat-stream-cached-tokens-include-usage.sse",
            "openai/responses-stream-text.sse",
            "openai/responses-stream-function-call.sse",
            "openai/responses-stream-reasoning-summary.sse",
            "openai/responses-stream-error-insufficient-quota.sse",
            "anthropic/messages-stream-text.sse",
            "anthropic/messages-stream-tool-use.sse",
            "anthropic/messages-stream-thinking.sse",
            "anthropic/messages-stream-thinking-haiku45.sse",
            "anthropic/messages-stream-cache-read.sse",
            "anthropic/messages-stream-midstream-error.partial.sse",
            "gemini/streamgeneratecontent-sse-text.sse",
            "gemini/streamgeneratecontent-sse-text-multichunk.sse",
            "gemini/streamgeneratecontent-sse-function-call.sse",
            "gemini/streamgeneratecontent-sse-after-function-response.sse",
            "gemini/streamgeneratecontent-sse-thinking.sse",
            "gemini/streamgeneratecontent-sse-thinking-gemini3.sse",
            "gemini/streamgeneratecontent-sse-google-search-tool-use-prompt-tokens.sse",
        ];
        var data = new TheoryData<string, string>();
        foreach (string file in files)
        {
            foreach (WireFormat target in Enum.GetValues<WireFormat>())
            {
                if (target != SourceOf(file))
                {
                    data.Add(file, StreamHarness.Slug(target));
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rewrite_RecordedUpstreamStream_PreservesContentToolsAndClosingEvents(string file, string target)
    {
        string root = TestPaths.RequireSharedUpstream();
        byte[] input = File.ReadAllBytes(Path.Combine(root, file));
        WireFormat source = SourceOf(file);
        WireFormat to = Enum.GetValues<WireFormat>().Single(f => StreamHarness.Slug(f) == target);

        (byte[] output, FormatError? error, TokenUsage? usage) = StreamHarness.Rewrite(source, to, input);

        StreamTranscript upstream = StreamTranscript.Parse(source, input);
        StreamTranscript converted = StreamTranscript.Parse(to, output);
        StreamTranscript.AssertEquivalent(upstream, converted);
        converted.AssertToolArgumentsAreJson();
        if (file.Contains("error", StringComparison.Ordinal))
        {
            Assert.NotNull(error);
            Assert.NotNull(converted.Error);
        }
        else
        {
            Assert.Null(error);
            Assert.NotNull(usage);
            Assert.True(usage.Value.InputTokens > 0 && usage.Value.OutputTokens > 0, "usage was not carried");
            Assert.Equal(usage.Value.InputTokens, converted.InputTokens ?? usage.Value.InputTokens);
            Assert.Equal(usage.Value.OutputTokens, converted.OutputTokens);
        }
    }

    [Fact]
    public void Rewrite_RecordedOpenAIParallelToolCalls_ReportsUsageAndBothCalls()
    {
        string root = TestPaths.RequireSharedUpstream();
        byte[] input = File.ReadAllBytes(Path.Combine(root, "openai/chat-stream-parallel-tool-calls.sse"));
        (byte[] output, _, TokenUsage? usage) = StreamHarness.Rewrite(WireFormat.OpenAIChat, WireFormat.Anthropic, input);
        StreamTranscript t = StreamTranscript.Parse(WireFormat.Anthropic, output);
        Assert.Equal(2, t.ToolCalls.Count);
        Assert.Equal("{\"password\": \"mellon\"}", t.ToolCalls[0].Arguments.ToString());
        Assert.Equal("{\"password\": \"radiance\"}", t.ToolCalls[1].Arguments.ToString());
        Assert.Equal("tool_use", t.FinishReason);
        Assert.Equal(new TokenUsage { InputTokens = 75, OutputTokens = 53, TotalTokens = 128 }, usage);
    }

    [Fact]
    public void Rewrite_RecordedAnthropicCacheRead_KeepsCachedTokensInEachFamilysBucket()
    {
        string root = TestPaths.RequireSharedUpstream();
        byte[] input = File.ReadAllBytes(Path.Combine(root, "anthropic/messages-stream-cache-read.sse"));
        (byte[] output, _, TokenUsage? usage) = StreamHarness.Rewrite(WireFormat.Anthropic, WireFormat.OpenAIChat, input);
        Assert.NotNull(usage);
        Assert.True(usage.Value.CachedInputTokens > 0);
        string text = System.Text.Encoding.UTF8.GetString(output);
        Assert.Contains("\"cached_tokens\":" + usage.Value.CachedInputTokens, text, StringComparison.Ordinal);
        Assert.Contains("\"prompt_tokens\":" + usage.Value.InputTokens, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Rewrite_GeminiErrorBodyWithoutSseFraming_ReportsUpstreamError()
    {
        string root = TestPaths.RequireSharedUpstream();
        byte[] input = File.ReadAllBytes(Path.Combine(root, "gemini/error-400-api-key-invalid.stream.json"));
        (byte[] output, FormatError? error, _) = StreamHarness.Rewrite(WireFormat.Gemini, WireFormat.OpenAIChat, input);
        Assert.NotNull(error);
        Assert.Equal(FormatErrorKind.UpstreamError, error.Kind);
        Assert.Contains("API key", error.Message, StringComparison.Ordinal);
        StreamTranscript t = StreamTranscript.Parse(WireFormat.OpenAIChat, output);
        Assert.NotNull(t.Error);
        Assert.True(t.Terminated);
    }

    private static WireFormat SourceOf(string file) => file switch
    {
        _ when file.StartsWith("openai/chat", StringComparison.Ordinal) => WireFormat.OpenAIChat,
        _ when file.StartsWith("openai/responses", StringComparison.Ordinal) => WireFormat.OpenAIResponses,
        _ when file.StartsWith("anthropic/", StringComparison.Ordinal) => WireFormat.Anthropic,
        _ => WireFormat.Gemini,
    };
}
