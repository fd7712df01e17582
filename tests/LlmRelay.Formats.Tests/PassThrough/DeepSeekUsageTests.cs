using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.PassThrough;
using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.PassThrough;

/// <summary>
/// A DeepSeek answer reports its cache hits at the top of <c>usage</c> (<c>prompt_cache_hit_tokens</c>,
/// <c>prompt_cache_miss_tokens</c>); the same answer must give the same <see cref="TokenUsage"/> whether it is passed
/// through, converted for an Anthropic, Gemini or Responses caller, streamed or not (issue #14).
/// </summary>
/// <remarks>
/// No DeepSeek recording exists in ../shared/fixtures/upstream; Fixtures/DeepSeek holds bodies in DeepSeek's documented
/// shape (api-docs.deepseek.com: prompt_cache_hit_tokens/prompt_cache_miss_tokens, no prompt_tokens_details) and in the
/// shape the live API also sends (prompt_tokens_details.cached_tokens equal to the hits, completion_tokens_details for
/// deepseek-reasoner). Usage in the final chunk, as DeepSeek streams it.
/// </remarks>
public sealed class DeepSeekUsageTests
{
    private static readonly WireFormat[] Callers = [WireFormat.Anthropic, WireFormat.Gemini, WireFormat.OpenAIResponses];

    /// <summary>file, input (all prompt tokens), cached, output (reasoning included), reasoning.</summary>
    public static TheoryData<string, long, long, long, long> Bodies() => new()
    {
        { "chat-nonstream-cache-hit.json", 1200, 1088, 42, 0 },
        { "chat-nonstream-cache-hit-with-details.json", 1200, 1088, 42, 0 },
    };

    /// <summary>file, input (all prompt tokens), cached, output (reasoning included), reasoning.</summary>
    public static TheoryData<string, long, long, long, long> Streams() => new()
    {
        { "chat-stream-cache-hit.sse", 1200, 1088, 42, 0 },
        { "chat-stream-reasoner-cache-hit-with-details.sse", 1200, 1088, 96, 60 },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Body_PassedThroughOrConverted_GivesTheSameUsage(string file, long input, long cached, long output, long reasoning)
    {
        var body = File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "DeepSeek", file));
        var sniffer = new UsageSniffer(WireFormat.OpenAIChat);

        sniffer.Observe(body);

        var passedThrough = sniffer.Usage!.Value;
        Assert.Equal((input, cached, output, reasoning, input + output), (passedThrough.InputTokens, passedThrough.CachedInputTokens, passedThrough.OutputTokens, passedThrough.ReasoningTokens, passedThrough.TotalTokens));
        foreach (var caller in Callers)
        {
            var converted = BodyConverter.ConvertResponse(WireFormat.OpenAIChat, caller, body, 1, out var usage);

            Assert.True(converted.IsSuccess, caller.ToString());
            Assert.Equal(passedThrough, usage);
            Assert.Equal(cached, CachedSeenBy(caller, JsonNode.Parse(converted.Value)!));
        }
    }

    [Theory]
    [MemberData(nameof(Streams))]
    public void Stream_PassedThroughOrRewritten_GivesTheSameUsage(string file, long input, long cached, long output, long reasoning)
    {
        var sse = File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "DeepSeek", file));
        using var passThrough = new OpenAIStreamPassThrough(stripUsageChunk: false);

        passThrough.Process(sse, new ArrayBufferWriter<byte>());

        var passedThrough = passThrough.Usage!.Value;
        Assert.Equal((input, cached, output, reasoning), (passedThrough.InputTokens, passedThrough.CachedInputTokens, passedThrough.OutputTokens, passedThrough.ReasoningTokens));
        foreach (var caller in Callers)
        {
            var (rewritten, error, usage) = StreamHarness.Rewrite(WireFormat.OpenAIChat, caller, sse, sse.Length / 3, sse.Length / 2);

            Assert.Null(error);
            Assert.Equal(passedThrough, usage);
            var text = Encoding.UTF8.GetString(rewritten);
            var expected = caller switch
            {
                WireFormat.Anthropic => $"\"cache_read_input_tokens\":{cached}",
                WireFormat.Gemini => $"\"cachedContentTokenCount\":{cached}",
                _ => $"\"cached_tokens\":{cached}",
            };
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Body_NonStreamAndStream_OfTheSameAnswer_GiveTheSameUsage()
    {
        var body = File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "DeepSeek", "chat-nonstream-cache-hit.json"));
        var sse = File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "DeepSeek", "chat-stream-cache-hit.sse"));

        foreach (var caller in Callers)
        {
            BodyConverter.ConvertResponse(WireFormat.OpenAIChat, caller, body, 1, out var fromBody);
            var (_, _, fromStream) = StreamHarness.Rewrite(WireFormat.OpenAIChat, caller, sse);

            Assert.Equal(fromBody, fromStream);
            Assert.Equal(1088, fromStream!.Value.CachedInputTokens);
        }
    }

    private static long CachedSeenBy(WireFormat caller, JsonNode body) => caller switch
    {
        WireFormat.Anthropic => body["usage"]!["cache_read_input_tokens"]!.GetValue<long>(),
        WireFormat.Gemini => body["usageMetadata"]!["cachedContentTokenCount"]!.GetValue<long>(),
        _ => body["usage"]!["input_tokens_details"]!["cached_tokens"]!.GetValue<long>(),
    };
}
