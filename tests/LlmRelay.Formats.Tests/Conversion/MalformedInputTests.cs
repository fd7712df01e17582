using System.Text;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.Conversion;

public sealed class MalformedInputTests
{
    public static TheoryData<string, string> BadBodies()
    {
        string[] bodies =
        [
            "",
            "{",
            "not json",
            "null",
            "[]",
            "{\"messages\":\"hello\"}",
            "{\"messages\":[{\"role\":\"user\",\"content\":42}]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"ten\"}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":{}}",
            "{\"contents\":[{\"parts\":\"x\"}]}",
            "{\"contents\":[{\"parts\":[{\"text\":1}]}]}",
            "{\"input\":[{\"type\":\"message\",\"content\":[1]}]}",
            "{\"messages\":[]}",
            "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{bad\"}}]}]}",
            "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]",
        ];
        var data = new TheoryData<string, string>();
        foreach (WireFormat from in Enum.GetValues<WireFormat>())
        {
            foreach (string body in bodies)
            {
                data.Add(StreamHarness.Slug(from), body);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void ConvertRequest_MalformedBody_ReturnsErrorValueForEveryTarget(string from, string body)
    {
        WireFormat source = Parse(from);
        foreach (WireFormat to in Enum.GetValues<WireFormat>())
        {
            if (to == source)
            {
                continue;
            }

            FormatResult<ConvertedRequest> result = BodyConverter.ConvertRequest(source, to, Encoding.UTF8.GetBytes(body), "m");
            if (!result.IsSuccess)
            {
                Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
            }
        }
    }

    [Theory]
    [InlineData("openai", "{\"choices\":[{\"message\":{\"content\":[1,2]}}]}")]
    [InlineData("openai", "{\"choices\":[]}")]
    [InlineData("openai", "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{oops\"}}]},\"finish_reason\":\"tool_calls\"}]}")]
    [InlineData("anthropic", "{\"content\":\"x\",\"usage\":{\"input_tokens\":\"1\"}}")]
    [InlineData("anthropic", "{\"content\":[{\"type\":\"text\",\"text\":5}]}")]
    [InlineData("gemini", "{\"candidates\":{}}")]
    [InlineData("gemini", "{\"usageMetadata\":{\"promptTokenCount\":1.5e400}}")]
    [InlineData("responses", "{\"output\":[{\"type\":\"message\",\"content\":7}]}")]
    [InlineData("responses", "{\"created_at\":\"yesterday\"}")]
    [InlineData("openai", "")]
    [InlineData("gemini", "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]}}]")]
    public void ConvertResponse_MalformedBody_ReturnsErrorValue(string from, string body)
    {
        WireFormat source = Parse(from);
        foreach (WireFormat to in Enum.GetValues<WireFormat>())
        {
            if (to == source)
            {
                continue;
            }

            FormatResult<byte[]> result = BodyConverter.ConvertResponse(source, to, Encoding.UTF8.GetBytes(body), 0, out _);
            if (to == WireFormat.OpenAIResponses && body.Contains("{oops", StringComparison.Ordinal))
            {
                // Responses carries arguments as an opaque string, like OpenAI Chat: nothing to reject.
                Assert.True(result.IsSuccess);
                continue;
            }

            Assert.False(result.IsSuccess);
            Assert.NotNull(result.Error);
        }
    }

    [Fact]
    public void ConvertRequest_InvalidToolArguments_ReturnsInvalidShapeNamingTheTool()
    {
        const string body = "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"{bad\"}}]}]}";
        FormatResult<ConvertedRequest> result = BodyConverter.ConvertRequest(WireFormat.OpenAIChat, WireFormat.Anthropic, Encoding.UTF8.GetBytes(body));
        Assert.False(result.IsSuccess);
        Assert.Equal(FormatErrorKind.InvalidShape, result.Error.Kind);
        Assert.Contains("lookup", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConvertRequest_NotJson_ReturnsInvalidJson()
    {
        FormatResult<ConvertedRequest> result = BodyConverter.ConvertRequest(WireFormat.Anthropic, WireFormat.OpenAIChat, "{\"model\":"u8.ToArray());
        Assert.False(result.IsSuccess);
        Assert.Equal(FormatErrorKind.InvalidJson, result.Error.Kind);
    }

    [Fact]
    public void ConvertRequest_WrongType_ReturnsInvalidShapeWithPath()
    {
        FormatResult<ConvertedRequest> result = BodyConverter.ConvertRequest(WireFormat.OpenAIChat, WireFormat.Gemini, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"ten\"}"u8.ToArray());
        Assert.False(result.IsSuccess);
        Assert.Equal(FormatErrorKind.InvalidShape, result.Error.Kind);
        Assert.Equal("$.max_tokens", result.Error.Code);
    }

    public static TheoryData<string, string> BadStreams() => new()
    {
        { "openai", "data: {not json}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n" },
        { "openai", "data: [1,2,3]\n\ndata: {\"choices\":\"x\"}\n\ndata: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":99999999,\"function\":{\"arguments\":\"x\"}}]}}]}\n\n" },
        { "anthropic", "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":7,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}\n\nevent: message_start\ndata: {\"type\":\"message_start\",\"message\":5}\n\n" },
        { "anthropic", "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":\"x\"}}}\n\ndata: {\"type\":" },
        { "gemini", "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":[1]}}]}}]}\n\ndata: {\"candidates\":[{\"content\":{\"parts\":\"oops\"}}]}\n\n" },
        { "gemini", "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"abc" },
        { "responses", "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"output_index\":-5,\"item\":{\"type\":\"function_call\"}}\n\nevent: response.function_call_arguments.delta\ndata: {\"type\":\"response.function_call_arguments.delta\",\"output_index\":3,\"delta\":\"x\"}\n\n" },
        { "responses", "\u0000\u0001\u0002binary\n\n\n" },
    };

    [Theory]
    [MemberData(nameof(BadStreams))]
    public void Rewrite_MalformedOrTruncatedStream_EndsWithClosingEventsAndErrorValue(string from, string sse)
    {
        WireFormat source = Parse(from);
        foreach (WireFormat to in Enum.GetValues<WireFormat>())
        {
            if (to == source)
            {
                continue;
            }

            (byte[] output, FormatError? error, _) = StreamHarness.Rewrite(source, to, Encoding.UTF8.GetBytes(sse));
            Assert.NotNull(error);
            StreamTranscript t = StreamTranscript.Parse(to, output);
            Assert.True(t.Terminated, "no closing events for " + to);
        }
    }

    private static WireFormat Parse(string slug) => Enum.GetValues<WireFormat>().Single(f => StreamHarness.Slug(f) == slug);
}
