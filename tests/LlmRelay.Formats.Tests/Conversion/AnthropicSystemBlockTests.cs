using System.Text;
using System.Text.Json;
using LlmRelay.Formats.Conversion;

namespace LlmRelay.Formats.Tests.Conversion;

/// <summary>
/// Claude Code sends its system prompt as several text blocks, the first a per-request billing line that only
/// Anthropic's API reads (issue #16). Converted for another provider, the blocks keep their boundaries and the
/// billing line is not passed on as prompt text (it changes on every request and would defeat prompt caching).
/// </summary>
public sealed class AnthropicSystemBlockTests
{
    private const string ClaudeCodeRequest = """
        {"model":"claude-sonnet-4-5","max_tokens":1024,
         "system":[
           {"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.37.0d9; cc_entrypoint=sdk-cli; cch=fa690;"},
           {"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude.","cache_control":{"type":"ephemeral"}},
           {"type":"text","text":"You are an interactive CLI tool.","cache_control":{"type":"ephemeral"}}],
         "messages":[{"role":"user","content":"hi"}]}
        """;

    [Fact]
    public void ToOpenAIChat_SystemBlocks_JoinedOnLinesWithoutTheBillingLine()
    {
        string system = SystemText(WireFormat.OpenAIChat, doc => doc.RootElement.GetProperty("messages")[0].GetProperty("content").GetString());

        Assert.Equal("You are Claude Code, Anthropic's official CLI for Claude.\nYou are an interactive CLI tool.", system);
    }

    [Fact]
    public void ToGemini_SystemBlocks_JoinedOnLinesWithoutTheBillingLine()
    {
        string system = SystemText(WireFormat.Gemini, doc => string.Concat(doc.RootElement.GetProperty("systemInstruction").GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("text").GetString())));

        Assert.DoesNotContain("x-anthropic-billing-header", system, StringComparison.Ordinal);
        Assert.Contains("Claude.\nYou are an interactive", system, StringComparison.Ordinal);
    }

    [Fact]
    public void ToResponses_SystemBlocks_JoinedOnLinesWithoutTheBillingLine()
    {
        string body = Convert(WireFormat.OpenAIResponses);

        Assert.DoesNotContain("x-anthropic-billing-header", body, StringComparison.Ordinal);
        Assert.Contains("Claude.\\nYou are an interactive", body, StringComparison.Ordinal);
    }

    [Fact]
    public void ToOpenAIChat_OnlyABillingBlock_SendsNoSystemMessage()
    {
        const string request = """
            {"model":"m","max_tokens":10,"system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.37.0d9; cc_entrypoint=cli;"}],
             "messages":[{"role":"user","content":"hi"}]}
            """;
        FormatResult<ConvertedRequest> result = BodyConverter.ConvertRequest(WireFormat.Anthropic, WireFormat.OpenAIChat, Encoding.UTF8.GetBytes(request), "m");

        Assert.True(result.IsSuccess);
        using JsonDocument doc = JsonDocument.Parse(result.Value.Body);
        JsonElement only = Assert.Single(doc.RootElement.GetProperty("messages").EnumerateArray());
        Assert.Equal("user", only.GetProperty("role").GetString());
    }

    private static string Convert(WireFormat to)
    {
        FormatResult<ConvertedRequest> result = BodyConverter.ConvertRequest(WireFormat.Anthropic, to, Encoding.UTF8.GetBytes(ClaudeCodeRequest), "m");
        Assert.True(result.IsSuccess);
        return Encoding.UTF8.GetString(result.Value.Body);
    }

    private static string SystemText(WireFormat to, Func<JsonDocument, string?> read)
    {
        using JsonDocument doc = JsonDocument.Parse(Convert(to));
        return read(doc) ?? "";
    }
}
