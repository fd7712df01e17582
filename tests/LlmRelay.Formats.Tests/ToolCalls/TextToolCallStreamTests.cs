using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmRelay.Formats.Streaming;
using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.ToolCalls;

public sealed class TextToolCallStreamTests
{
    private static readonly string[] Declared = ["get_weather"];

    public static TheoryData<string> Targets() => new(Enum.GetValues<WireFormat>().Select(StreamHarness.Slug));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Rewrite_ToolCallWrittenAsText_BecomesStructuredCallWithoutLeakingMarkup(string target)
    {
        WireFormat to = Enum.GetValues<WireFormat>().Single(f => StreamHarness.Slug(f) == target);
        byte[] upstream = OpenAIStream("Checking ", "the weather.\n{\"tool_", "calls\":[{\"name\":\"get_weather\",", "\"arguments\":{\"city\":", "\"Zürich\"}}]}");
        (byte[] output, FormatError? error) = Rewrite(upstream, to, null);

        Assert.Null(error);
        StreamTranscript t = StreamTranscript.Parse(to, output);
        Assert.Equal("Checking the weather.\n", t.Text.ToString());
        var call = Assert.Single(t.ToolCalls);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("{\"city\":\"Zürich\"}", call.Arguments.ToString());
        Assert.True(t.Terminated);
        Assert.DoesNotContain("tool_calls\\\":[", Encoding.UTF8.GetString(output), StringComparison.Ordinal);
    }

    [Fact]
    public void Rewrite_ToolCallAsText_EmitsStructuredCallBeforeTheJsonCloses()
    {
        byte[] partial = OpenAIStream("{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"ci");
        var output = new ArrayBufferWriter<byte>();
        using var session = new SseRewriteSession(StreamRewriters.CreateWithTextToolCalls(WireFormat.OpenAIChat, WireFormat.Anthropic, Declared, null, StreamHarness.Options));
        session.Write(partial.AsSpan(0, partial.Length - "data: [DONE]\n\n".Length), output);
        string sofar = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Contains("\"type\":\"tool_use\"", sofar, StringComparison.Ordinal);
        Assert.Contains("\"partial_json\":\"{\\\"ci\"", sofar, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    [InlineData("gemini")]
    [InlineData("responses")]
    public void Rewrite_RequiredToolChoiceNotHonoured_EndsWithFailureEvent(string target)
    {
        WireFormat to = Enum.GetValues<WireFormat>().Single(f => StreamHarness.Slug(f) == target);
        byte[] upstream = OpenAIStream("I would rather not.\n", "```\n{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{}}]}\n```");
        (byte[] output, FormatError? error) = Rewrite(upstream, to, JsonDocument.Parse("\"required\"").RootElement);

        Assert.NotNull(error);
        Assert.Equal(FormatErrorKind.ToolChoiceViolation, error.Kind);
        StreamTranscript t = StreamTranscript.Parse(to, output);
        Assert.Empty(t.ToolCalls);
        Assert.NotNull(t.Error);
        Assert.True(t.Terminated);
        if (to == WireFormat.OpenAIResponses)
        {
            Assert.Equal("failed", t.FinishReason);
        }
    }

    private static (byte[] Output, FormatError? Error) Rewrite(byte[] upstream, WireFormat to, JsonElement? toolChoice)
    {
        var output = new ArrayBufferWriter<byte>();
        using var session = new SseRewriteSession(StreamRewriters.CreateWithTextToolCalls(WireFormat.OpenAIChat, to, Declared, toolChoice, StreamHarness.Options));
        session.Write(upstream, output);
        FormatError? error = session.Complete(output);
        return (output.WrittenSpan.ToArray(), error);
    }

    private static byte[] OpenAIStream(params string[] deltas)
    {
        var sb = new StringBuilder();
        const string head = "data: {\"id\":\"chatcmpl-txt\",\"object\":\"chat.completion.chunk\",\"created\":1766084439,\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":";
        sb.Append(head).Append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        foreach (string d in deltas)
        {
            sb.Append(head).Append("{\"content\":").Append(JsonSerializer.Serialize(d)).Append("},\"finish_reason\":null}]}\n\n");
        }

        sb.Append(head).Append("{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30}}\n\n");
        sb.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
