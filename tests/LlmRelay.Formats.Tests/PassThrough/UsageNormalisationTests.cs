using System.Text;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.PassThrough;

/// <summary>Recorded usage normalises to the same buckets whether the body is passed through (sniffed) or converted for another family.</summary>
public sealed class UsageNormalisationTests
{
    /// <summary>family, file, input (all prompt tokens), cached, cache-creation, of which 1 hour, output (reasoning included), reasoning.</summary>
    public static TheoryData<string, string, long, long, long, long, long, long> Bodies() => new()
    {
        { "openai", "chat-nonstream-cached-tokens.json", 1144, 1024, 0, 0, 2, 0 },
        { "openai", "chat-nonstream-reasoning-tokens.json", 15, 0, 0, 0, 75, 64 },
        { "anthropic", "messages-nonstream-cache-creation.json", 8 + 4167, 0, 4167, 0, 204, 0 },
        { "anthropic", "messages-nonstream-cache-read.json", 12 + 4167, 4167, 0, 0, 350, 0 },
        { "gemini", "generatecontent-nonstream-cached-content-tokens.json", 3797, 3055, 0, 0, 656 + 1549, 1549 },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void RecordedBody_SniffedAndConverted_GiveTheSameBuckets(string family, string file, long input, long cached, long creation, long creation1h, long output, long reasoning)
    {
        var body = File.ReadAllBytes(Path.Combine(TestPaths.RequireSharedUpstream(), family, file));
        var from = Family(family);
        var sniffer = new UsageSniffer(from);

        sniffer.Observe(body);

        var expected = (input, cached, creation, creation1h, output, reasoning);
        Assert.Equal(expected, Buckets(sniffer.Usage!.Value));
        foreach (var to in (WireFormat[])[WireFormat.OpenAIChat, WireFormat.Anthropic, WireFormat.Gemini, WireFormat.OpenAIResponses])
        {
            if (to == from)
            {
                continue;
            }

            var converted = BodyConverter.ConvertResponse(from, to, body, 1, out var usage);
            Assert.True(converted.IsSuccess, $"{family} -> {to}");
            Assert.Equal(expected, Buckets(usage) with { reasoning = from == WireFormat.Anthropic ? 0 : Buckets(usage).reasoning });
        }
    }

    [Fact]
    public void AnthropicOneHourCacheWrites_AreReadFromTheCacheCreationSplit_InBodiesAndStreams()
    {
        var body = """{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"cache_creation_input_tokens":3000,"cache_read_input_tokens":10,"cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":2000},"output_tokens":5}}"""u8.ToArray();
        var sniffer = new UsageSniffer(WireFormat.Anthropic);

        sniffer.Observe(body);
        BodyConverter.ConvertResponse(WireFormat.Anthropic, WireFormat.OpenAIChat, body, 1, out var converted);

        Assert.Equal(2000, sniffer.Usage!.Value.CacheCreation1hInputTokens);
        Assert.Equal(3013, sniffer.Usage!.Value.InputTokens);
        Assert.Equal(2000, converted.CacheCreation1hInputTokens);
        Assert.Equal(3000, converted.CacheCreationInputTokens);

        // message_delta repeats the totals without the split: the split from message_start stays.
        var stream = new UsageSniffer(WireFormat.Anthropic);
        stream.Observe(Encoding.UTF8.GetBytes("""{"type":"message_start","message":{"usage":{"input_tokens":3,"cache_creation_input_tokens":3000,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":2000},"output_tokens":1}}}"""));
        stream.Observe(Encoding.UTF8.GetBytes("""{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":3,"cache_creation_input_tokens":3000,"cache_read_input_tokens":0,"output_tokens":9}}"""));
        Assert.Equal((3003L, 3000L, 2000L, 9L), (stream.Usage!.Value.InputTokens, stream.Usage.Value.CacheCreationInputTokens, stream.Usage.Value.CacheCreation1hInputTokens, stream.Usage.Value.OutputTokens));
    }

    [Fact]
    public void GeminiStream_ToolUsePromptTokens_JoinThePrompt_ThoughtsJoinTheOutput()
    {
        var sse = File.ReadAllText(Path.Combine(TestPaths.RequireSharedUpstream(), "gemini", "streamgeneratecontent-sse-google-search-tool-use-prompt-tokens.sse"));
        var sniffer = new UsageSniffer(WireFormat.Gemini);

        foreach (var line in sse.Split('\n'))
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                sniffer.Observe(Encoding.UTF8.GetBytes(line[6..].TrimEnd('\r')));
            }
        }

        var usage = sniffer.Usage!.Value;
        Assert.Equal((32L + 253, 253L, 49L + 430, 430L), (usage.InputTokens, usage.ToolUsePromptTokens, usage.OutputTokens, usage.ReasoningTokens));
    }

    [Fact]
    public void ToolInputsNamedLikeUsage_AreNotMistakenForTheBill()
    {
        // Anthropic tool_use input and Gemini functionCall args are raw JSON objects that precede the real usage.
        var anthropic = new UsageSniffer(WireFormat.Anthropic);
        anthropic.Observe("""{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"report","input":{"usage":{"input_tokens":1,"output_tokens":1}}}],"stop_reason":"tool_use","usage":{"input_tokens":120,"cache_creation_input_tokens":0,"cache_read_input_tokens":30,"output_tokens":45}}"""u8);
        var gemini = new UsageSniffer(WireFormat.Gemini);
        gemini.Observe("""{"candidates":[{"content":{"parts":[{"functionCall":{"name":"report","args":{"usageMetadata":{"promptTokenCount":1}}}}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":70,"candidatesTokenCount":9,"totalTokenCount":79}}"""u8);

        Assert.Equal((150L, 30L, 45L), (anthropic.Usage!.Value.InputTokens, anthropic.Usage.Value.CachedInputTokens, anthropic.Usage.Value.OutputTokens));
        Assert.Equal((70L, 9L), (gemini.Usage!.Value.InputTokens, gemini.Usage.Value.OutputTokens));
    }

    private static WireFormat Family(string family) => family switch
    {
        "anthropic" => WireFormat.Anthropic,
        "gemini" => WireFormat.Gemini,
        _ => WireFormat.OpenAIChat,
    };

    private static (long input, long cached, long creation, long creation1h, long output, long reasoning) Buckets(in TokenUsage u) =>
        (u.InputTokens, u.CachedInputTokens, u.CacheCreationInputTokens, u.CacheCreation1hInputTokens, u.OutputTokens, u.ReasoningTokens);
}
