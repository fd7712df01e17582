using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.Formats.Streaming;
using LlmRelay.Formats.Tests.Infrastructure;
using LlmRelay.Formats.ToolCalls;

namespace LlmRelay.Formats.Tests.ToolCalls;

public sealed class ToolCallSieveTests
{
    private const string Schema = """{"type":"object","properties":{"city":{"type":"string"}}}""";

    [Theory]
    [InlineData(WireFormat.OpenAIChat, """{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{}}}],"tool_choice":"required"}""")]
    [InlineData(WireFormat.OpenAIResponses, """{"model":"m","input":"x","tools":[{"type":"function","name":"get_weather","parameters":{}}],"tool_choice":"required"}""")]
    [InlineData(WireFormat.Anthropic, """{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"get_weather","input_schema":{"type":"object"}}],"tool_choice":{"type":"any"}}""")]
    [InlineData(WireFormat.Gemini, """{"contents":[{"role":"user","parts":[{"text":"x"}]}],"tools":[{"functionDeclarations":[{"name":"get_weather"}]}],"toolConfig":{"functionCallingConfig":{"mode":"ANY"}}}""")]
    public void FromRequest_EachFamilysRequiredChoice_ReadsToolsAndRequiresCall(WireFormat caller, string body)
    {
        ToolCallSieve? sieve = ToolCallSieve.FromRequest(caller, Encoding.UTF8.GetBytes(body));

        Assert.NotNull(sieve);
        Assert.Equal(["get_weather"], sieve.DeclaredTools);
        Assert.True(sieve.RequiresCall);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"tools"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"get_weather"}}],"tool_choice":"none"}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[]}""")]
    [InlineData("""{"model":"m","tools":[""")]
    public void FromRequest_NoToolsNoneOrUnreadable_ReturnsNull(string body) =>
        Assert.Null(ToolCallSieve.FromRequest(WireFormat.OpenAIChat, Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void ConvertResponse_CallWrittenAsText_BecomesToolCallWithUsageUnchanged()
    {
        ToolCallSieve sieve = OpenAISieve(null);
        byte[] answer = OpenAIAnswer("Let me check.\n{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}]}");

        Assert.True(sieve.MustConvert(answer));
        FormatResult<byte[]> result = sieve.ConvertResponse(WireFormat.OpenAIChat, WireFormat.OpenAIChat, answer, 1, out TokenUsage usage);

        Assert.True(result.IsSuccess, result.Error?.Message);
        JsonNode choice = JsonNode.Parse(result.Value)!["choices"]![0]!;
        Assert.Equal("tool_calls", choice["finish_reason"]!.GetValue<string>());
        Assert.Equal("Let me check.", choice["message"]!["content"]!.GetValue<string>());
        JsonNode call = choice["message"]!["tool_calls"]![0]!;
        Assert.Equal("get_weather", call["function"]!["name"]!.GetValue<string>());
        Assert.Equal("{\"city\":\"Paris\"}", call["function"]!["arguments"]!.GetValue<string>());
        Assert.Matches("^call_[0-9a-f]{12}_0$", call["id"]!.GetValue<string>());
        Assert.Equal(12, usage.InputTokens);
        Assert.Equal(4, usage.OutputTokens);
        Assert.Equal(16, JsonNode.Parse(result.Value)!["usage"]!["total_tokens"]!.GetValue<int>());
    }

    [Fact]
    public void ConvertResponse_RequiredChoiceWithoutCall_IsToolChoiceViolation()
    {
        ToolCallSieve sieve = OpenAISieve("\"required\"");
        byte[] answer = OpenAIAnswer("No.");

        Assert.True(sieve.MustConvert(answer));
        FormatResult<byte[]> result = sieve.ConvertResponse(WireFormat.OpenAIChat, WireFormat.Anthropic, answer, 1, out TokenUsage usage);

        Assert.Equal(FormatErrorKind.ToolChoiceViolation, result.Error?.Kind);
        Assert.Equal("tool_choice_violation", result.Error?.Code);
        Assert.Equal(4, usage.OutputTokens);
    }

    [Fact]
    public void MustConvert_PlainAnswerWithoutRequiredChoice_IsFalse() =>
        Assert.False(OpenAISieve(null).MustConvert(OpenAIAnswer("It is sunny.")));

    [Fact]
    public void Stream_FenceOpenedWithEscapedBackticks_KeepsTheExampleAsText()
    {
        // \u0060 is a backtick: the undecoded fast path must still see the fence open.
        byte[] upstream = OpenAIStream("\"Example:\\n\\u0060\\u0060\\u0060\\n\"", "\"{\\\"tool_calls\\\":[{\\\"name\\\":\\\"get_weather\\\",\\\"arguments\\\":{}}]}\\n```\"");
        StreamTranscript t = Rewrite(OpenAISieve(null), upstream);

        Assert.Empty(t.ToolCalls);
        Assert.Equal("Example:\n```\n{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{}}]}\n```", t.Text.ToString());
    }

    [Fact]
    public void Stream_NativeCallThenCallAsText_GetDistinctIndexes()
    {
        const string head = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":";
        string upstream =
            head + "{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"native_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}]},\"finish_reason\":null}]}\n\n" +
            head + "{\"content\":\"{\\\"tool_calls\\\":[{\\\"name\\\":\\\"get_weather\\\",\\\"arguments\\\":{\\\"city\\\":\\\"Oslo\\\"}}]}\"},\"finish_reason\":null}]}\n\n" +
            head + "{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\ndata: [DONE]\n\n";

        StreamTranscript t = Rewrite(OpenAISieve("\"required\""), Encoding.UTF8.GetBytes(upstream));

        Assert.Null(t.Error);
        Assert.Equal(["native_1", "get_weather"], [t.ToolCalls[0].Id, t.ToolCalls[1].Name]);
        Assert.Equal(["{\"city\":\"Rome\"}", "{\"city\":\"Oslo\"}"], t.ToolCalls.Select(static c => c.Arguments.ToString()));
        Assert.Equal("tool_calls", t.FinishReason);
    }

    [Fact]
    public void Stream_PlainTextDeltas_AllocateNoMoreThanWithoutTheSieve()
    {
        string[] deltas = [.. Enumerable.Range(0, 400).Select(static i => $"\"word {i} caf\\u00e9 \\\"q\\\"\\n \"")];
        byte[] upstream = OpenAIStream(deltas);
        ToolCallSieve sieve = OpenAISieve(null);
        var output = new ArrayBufferWriter<byte>(1 << 20);

        long Measure(Func<IStreamRewriter> create)
        {
            using var session = new SseRewriteSession(create());
            session.Write(upstream.AsSpan(0, 2000), output); // warm up: start events and first deltas
            output.Clear();
            long before = GC.GetAllocatedBytesForCurrentThread();
            session.Write(upstream.AsSpan(2000), output);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Measure(() => StreamRewriters.Create(WireFormat.OpenAIChat, WireFormat.Anthropic, StreamHarness.Options));
        Measure(() => sieve.CreateStreamRewriter(WireFormat.OpenAIChat, WireFormat.Anthropic, StreamHarness.Options));
        long plain = Measure(() => StreamRewriters.Create(WireFormat.OpenAIChat, WireFormat.Anthropic, StreamHarness.Options));
        long sieved = Measure(() => sieve.CreateStreamRewriter(WireFormat.OpenAIChat, WireFormat.Anthropic, StreamHarness.Options));

        // Decoding each delta to a string would cost tens of bytes per delta (over 10 KB here).
        Assert.True(sieved - plain < 2048, $"plain {plain} B, sieved {sieved} B");
    }

    private static ToolCallSieve OpenAISieve(string? toolChoice)
    {
        string choice = toolChoice is null ? "" : ",\"tool_choice\":" + toolChoice;
        string body = $$$"""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{{{Schema}}}}}]{{{choice}}}}""";
        return ToolCallSieve.FromRequest(WireFormat.OpenAIChat, Encoding.UTF8.GetBytes(body))!;
    }

    private static byte[] OpenAIAnswer(string text) => Encoding.UTF8.GetBytes(
        "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        + JsonSerializer.Serialize(text) + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}}");

    // Each delta is a JSON string token as the upstream escaped it.
    private static byte[] OpenAIStream(params string[] deltaTokens)
    {
        const string head = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":";
        var sb = new StringBuilder(head).Append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        foreach (string d in deltaTokens)
        {
            sb.Append(head).Append("{\"content\":").Append(d).Append("},\"finish_reason\":null}]}\n\n");
        }

        sb.Append(head).Append("{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\ndata: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static StreamTranscript Rewrite(ToolCallSieve sieve, byte[] upstream)
    {
        var output = new ArrayBufferWriter<byte>();
        using var session = new SseRewriteSession(sieve.CreateStreamRewriter(WireFormat.OpenAIChat, WireFormat.OpenAIChat, StreamHarness.Options));
        session.Write(upstream, output);
        session.Complete(output);
        return StreamTranscript.Parse(WireFormat.OpenAIChat, output.WrittenSpan.ToArray());
    }
}
