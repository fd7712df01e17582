using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.Formats.Conversion;

namespace LlmRelay.Formats.Tests.Conversion;

/// <summary>The edges of the capability rules that the gateway's table does not reach with its built-in entries (issue #16).</summary>
public sealed class ModelCapabilityConversionTests
{
    private static JsonNode Convert(WireFormat to, string openAIBody, ModelCapability? capability, int defaultMaxTokens = 8192)
    {
        var converted = BodyConverter.ConvertRequest(WireFormat.OpenAIChat, to, Encoding.UTF8.GetBytes(openAIBody), defaultMaxTokens: defaultMaxTokens, capability: capability);
        Assert.True(converted.IsSuccess, converted.Error?.Message);
        return JsonNode.Parse(converted.Value!.Body)!;
    }

    private static void AssertBody(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"got {actual.ToJsonString()}");

    [Fact]
    public void ToAnthropic_NoCapability_ConvertsAsTheCallerSent()
    {
        var body = Convert(WireFormat.Anthropic, """{"model":"m","reasoning_effort":"low","temperature":0.3,"top_p":0.5,"messages":[{"role":"user","content":"hi"}]}""", null);

        AssertBody("""
            {"model":"m","max_tokens":8192,"temperature":0.3,"top_p":0.5,"thinking":{"type":"enabled","budget_tokens":1024},
             "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}
            """, body);
    }

    [Fact]
    public void ToAnthropic_LimitLeavingNoRoomForTheSmallestBudget_SendsNoThinking()
    {
        var capability = new ModelCapability { Reasoning = ReasoningControl.Budget, MaxOutputTokens = 1500 };

        var body = Convert(WireFormat.Anthropic, """{"model":"m","reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""", capability);

        AssertBody("""{"model":"m","max_tokens":1500,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}""", body);
    }

    [Fact]
    public void ToAnthropic_DefaultAboveTheLimit_IsLoweredToIt()
    {
        var capability = new ModelCapability { MaxOutputTokens = 2048 };

        var body = Convert(WireFormat.Anthropic, """{"model":"m","messages":[{"role":"user","content":"hi"}]}""", capability, defaultMaxTokens: 8192);

        AssertBody("""{"model":"m","max_tokens":2048,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}""", body);
    }

    [Fact]
    public void ToAnthropic_ThinkingWithTopPBelow095_DropsIt()
    {
        var capability = new ModelCapability { Reasoning = ReasoningControl.Budget, SamplingWithReasoning = false };

        var body = Convert(WireFormat.Anthropic, """{"model":"m","max_tokens":100,"reasoning_effort":"low","top_p":0.9,"messages":[{"role":"user","content":"hi"}]}""", capability);

        AssertBody("""
            {"model":"m","max_tokens":1124,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}
            """, body);
    }

    [Fact]
    public void ToResponses_ReasoningModel_DropsSampling_KeepsTheOutputLimitWithinTheModels()
    {
        var capability = new ModelCapability { Reasoning = ReasoningControl.Effort, MaxOutputTokens = 1000, SamplingWithReasoning = false };

        var body = Convert(WireFormat.OpenAIResponses, """{"model":"o3","max_tokens":5000,"temperature":0.2,"top_p":0.5,"messages":[{"role":"user","content":"hi"}]}""", capability);

        Assert.Equal(1000, body["max_output_tokens"]!.GetValue<int>());
        Assert.Null(body["temperature"]);
        Assert.Null(body["top_p"]);
    }

    [Fact]
    public void ToGemini_BudgetModel_KeepsTheBudget_AndLowersMaxOutputTokens()
    {
        var capability = new ModelCapability { Reasoning = ReasoningControl.Budget, MaxOutputTokens = 65536 };

        var body = Convert(WireFormat.Gemini, """{"model":"gemini-2.5-flash","max_tokens":100000,"reasoning_effort":"low","messages":[{"role":"user","content":"hi"}]}""", capability);

        AssertBody("""
            {"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"maxOutputTokens":65536,"thinkingConfig":{"includeThoughts":true,"thinkingBudget":1024}}}
            """, body);
    }
}
