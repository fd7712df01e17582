using System.Text.Json.Nodes;
using LlmRelay.Formats.Conversion;
using LlmRelay.Formats.Tests.Infrastructure;

namespace LlmRelay.Formats.Tests.Conversion;

/// <summary>Feeds the real recorded request and response bodies (../shared) through every converter.</summary>
public sealed class RecordedUpstreamBodyTests
{
    public static TheoryData<string> ResponseFiles() => new(
        "openai/chat-nonstream-text.json",
        "openai/chat-nonstream-parallel-tool-calls.json",
        "openai/chat-nonstream-after-tool-results.json",
        "openai/chat-nonstream-cached-tokens.json",
        "openai/chat-nonstream-reasoning-tokens.json",
        "openai/chat-nonstream-reasoning-tokens-o1-mini.json",
        "openai/responses-nonstream-text.json",
        "openai/responses-nonstream-function-call.json",
        "openai/responses-nonstream-reasoning-summary.json",
        "openai/responses-nonstream-cached-tokens.json",
        "openai/responses-nonstream-after-function-call-output.json",
        "anthropic/messages-nonstream-text.json",
        "anthropic/messages-nonstream-tool-use.json",
        "anthropic/messages-nonstream-thinking.json",
        "anthropic/messages-nonstream-cache-creation.json",
        "anthropic/messages-nonstream-cache-read.json",
        "anthropic/messages-nonstream-after-tool-result.json",
        "gemini/generatecontent-nonstream-text.json",
        "gemini/generatecontent-nonstream-function-call.json",
        "gemini/generatecontent-nonstream-thinking.json",
        "gemini/generatecontent-nonstream-cached-content-tokens.json",
        "gemini/generatecontent-nonstream-after-function-response.json");

    public static TheoryData<string> RequestFiles() => new(
        "openai/chat-nonstream-text.request.json",
        "openai/chat-nonstream-parallel-tool-calls.request.json",
        "openai/chat-nonstream-after-tool-results.request.json",
        "openai/chat-stream-parallel-tool-calls.request.json",
        "openai/chat-nonstream-reasoning-tokens.request.json",
        "openai/responses-nonstream-function-call.request.json",
        "openai/responses-nonstream-after-function-call-output.request.json",
        "openai/responses-nonstream-reasoning-summary.request.json",
        "anthropic/messages-nonstream-text.request.json",
        "anthropic/messages-nonstream-tool-use.request.json",
        "anthropic/messages-nonstream-after-tool-result.request.json",
        "anthropic/messages-nonstream-thinking.request.json",
        "anthropic/messages-nonstream-cache-creation.request.json",
        "gemini/generatecontent-nonstream-text.request.json",
        "gemini/generatecontent-nonstream-function-call.request.json",
        "gemini/generatecontent-nonstream-after-function-response.request.json",
        "gemini/streamgeneratecontent-sse-thinking.request.json",
        "gemini/streamgeneratecontent-sse-google-search-tool-use-prompt-tokens.request.json");

    [Theory]
    [MemberData(nameof(ResponseFiles))]
    public void ConvertResponse_RecordedBody_ConvertsToEveryFamilyKeepingUsageAndTools(string file)
    {
        string root = TestPaths.RequireSharedUpstream();
        byte[] body = File.ReadAllBytes(Path.Combine(root, file));
        WireFormat from = SourceOf(file);
        foreach (WireFormat to in Enum.GetValues<WireFormat>())
        {
            if (to == from)
            {
                continue;
            }

            FormatResult<byte[]> result = BodyConverter.ConvertResponse(from, to, body, 1_700_000_000, out TokenUsage usage);
            Assert.True(result.IsSuccess, $"{file} -> {to}: {result.Error?.Message}");
            Assert.True(usage.InputTokens > 0 && usage.OutputTokens > 0, "usage lost");
            JsonNode converted = JsonNode.Parse(result.Value)!;
            Assert.Equal(CountToolCalls(from, JsonNode.Parse(body)!), CountToolCalls(to, converted));
        }
    }

    [Theory]
    [MemberData(nameof(RequestFiles))]
    public void ConvertRequest_RecordedBody_ConvertsToEveryFamily(string file)
    {
        string root = TestPaths.RequireSharedUpstream();
        byte[] body = File.ReadAllBytes(Path.Combine(root, file));
        WireFormat from = SourceOf(file);
        foreach (WireFormat to in Enum.GetValues<WireFormat>())
        {
            if (to == from)
            {
                continue;
            }

            FormatResult<ConvertedRequest> result = BodyConverter.ConvertRequest(from, to, body, from == WireFormat.Gemini ? "gemini-2.5-flash" : null);
            Assert.True(result.IsSuccess, $"{file} -> {to}: {result.Error?.Message}");
            Assert.NotNull(JsonNode.Parse(result.Value.Body));
        }
    }

    private static int CountToolCalls(WireFormat format, JsonNode body) => format switch
    {
        WireFormat.OpenAIChat => body["choices"]?[0]?["message"]?["tool_calls"]?.AsArray().Count ?? 0,
        WireFormat.Anthropic => body["content"]?.AsArray().Count(b => (string?)b!["type"] == "tool_use") ?? 0,
        WireFormat.Gemini => body["candidates"]?[0]?["content"]?["parts"]?.AsArray().Count(p => p!["functionCall"] is not null) ?? 0,
        _ => body["output"]?.AsArray().Count(i => (string?)i!["type"] == "function_call") ?? 0,
    };

    private static WireFormat SourceOf(string file) => file switch
    {
        _ when file.StartsWith("openai/chat", StringComparison.Ordinal) => WireFormat.OpenAIChat,
        _ when file.StartsWith("openai/responses", StringComparison.Ordinal) => WireFormat.OpenAIResponses,
        _ when file.StartsWith("anthropic/", StringComparison.Ordinal) => WireFormat.Anthropic,
        _ => WireFormat.Gemini,
    };
}
