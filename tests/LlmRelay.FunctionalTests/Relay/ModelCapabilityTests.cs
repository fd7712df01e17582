using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// Converted requests carry only parameter combinations the target model accepts (issue #16): one test per rule of the
/// model capability table, each asserting the exact body the upstream receives for a request shaped like the coding agent's.
/// </summary>
/// <remarks>
/// Request shapes: Claude Code (Messages, <c>max_tokens</c> 32000, <c>thinking.budget_tokens</c> 31999, <c>temperature</c> 1,
/// billing-header system block), Gemini CLI (<c>chat-base-2.5</c> generation config: temperature 1, topP 0.95, topK 64,
/// thinkingBudget 8192 with includeThoughts), Codex CLI (Responses, <c>reasoning.effort</c> medium, no output limit).
/// </remarks>
public sealed class ModelCapabilityTests : IAsyncLifetime
{
    private const string GeminiCliBody = """
        {"contents":[{"role":"user","parts":[{"text":"List the files"}]}],
         "systemInstruction":{"role":"user","parts":[{"text":"You are an interactive CLI agent."}]},
         "tools":[{"functionDeclarations":[{"name":"run_shell_command","description":"Runs a shell command","parametersJsonSchema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}]}],
         "generationConfig":{"temperature":1,"topP":0.95,"topK":64,"thinkingConfig":{"includeThoughts":true,"thinkingBudget":8192}}}
        """;

    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        _gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, _upstream.BaseUrl, ["gemini-2.5-pro", "gemini-2.5-flash", "gpt-5-codex", "claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022"], name: "an", type: "anthropic", mapping: new()
            {
                ["gemini-2.5-pro"] = "claude-sonnet-4-5-20250929",
                ["gemini-2.5-flash"] = "claude-3-5-haiku-20241022",
                ["gpt-5-codex"] = "claude-sonnet-4-5-20250929",
            }),
            Settings.Channel(1, _upstream.BaseUrl, ["claude-opus-4-5-20251101", "claude-haiku-4-5-20251001", "deepseek-reasoner", "local-model"], name: "oa", type: "openai", mapping: new()
            {
                ["claude-opus-4-5-20251101"] = "gpt-5",
                ["claude-haiku-4-5-20251001"] = "gpt-4o",
            }),
            Settings.Channel(2, _upstream.BaseUrl, ["gemini-3-pro-preview", "gemini-2.0-flash"], name: "ge", type: "gemini"),
            Settings.Channel(3, _upstream.BaseUrl, ["small-sonnet"], name: "an-small", type: "anthropic", mapping: new() { ["small-sonnet"] = "claude-sonnet-4-5-20250929" }),
            new()
            {
                ["LlmRelay:ModelCapabilities:Models:local-model:Reasoning"] = "None",
                ["LlmRelay:ModelCapabilities:Channels:an-small:claude-sonnet-4-5:MaxOutputTokens"] = "4000",
            }));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task GeminiCli_ToAnAnthropicThinkingModel_DropsTemperatureAndTopK_KeepsTopP_AndUsesTheModelsDefaultMaxTokens()
    {
        // Anthropic: with extended thinking, temperature must stay at its default and top_k unset; top_p may be 0.95 to 1.
        var sent = await SendGeminiAsync("gemini-2.5-pro", GeminiCliBody);

        AssertBody("""
            {"model":"claude-sonnet-4-5-20250929","stream":true,"max_tokens":32000,"top_p":0.95,
             "thinking":{"type":"enabled","budget_tokens":8192},
             "system":"You are an interactive CLI agent.",
             "messages":[{"role":"user","content":[{"type":"text","text":"List the files"}]}],
             "tools":[{"name":"run_shell_command","description":"Runs a shell command","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}]}
            """, sent);
    }

    [Fact]
    public async Task GeminiCli_ToAnAnthropicModelWithoutThinking_DropsThinking_KeepsSampling_AndTheModelsLimit()
    {
        var sent = await SendGeminiAsync("gemini-2.5-flash", GeminiCliBody);

        AssertBody("""
            {"model":"claude-3-5-haiku-20241022","stream":true,"max_tokens":8192,"temperature":1,"top_p":0.95,"top_k":64,
             "system":"You are an interactive CLI agent.",
             "messages":[{"role":"user","content":[{"type":"text","text":"List the files"}]}],
             "tools":[{"name":"run_shell_command","description":"Runs a shell command","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}]}
            """, sent);
    }

    [Fact]
    public async Task ClaudeCode_ToAnOpenAIModelWithoutReasoning_SendsNoReasoningEffort_AndLowersMaxTokensToTheModelsLimit()
    {
        var sent = await SendClaudeCodeAsync("claude-haiku-4-5-20251001", budget: 31999);

        AssertBody("""
            {"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"max_tokens":16384,"temperature":1,"user":"user_0123_account__session_4567",
             "messages":[{"role":"system","content":"You are Claude Code, Anthropic's official CLI for Claude."},{"role":"user","content":"List the files"}],
             "tools":[{"type":"function","function":{"name":"Bash","description":"Runs a shell command","parameters":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}}]}
            """, sent);
    }

    [Theory]
    [InlineData(31999, "high")]
    [InlineData(4000, "medium")]
    [InlineData(1024, "low")]
    public async Task ClaudeCode_ToAnOpenAIReasoningModel_MapsTheBudgetToAnEffort_AndSendsMaxCompletionTokensWithoutSampling(int budget, string effort)
    {
        // OpenAI reasoning models refuse max_tokens (max_completion_tokens instead) and any temperature but the default.
        var sent = await SendClaudeCodeAsync("claude-opus-4-5-20251101", budget);

        AssertBody($$$$"""
            {"model":"gpt-5","stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":32000,"reasoning_effort":"{{{{effort}}}}","user":"user_0123_account__session_4567",
             "messages":[{"role":"system","content":"You are Claude Code, Anthropic's official CLI for Claude."},{"role":"user","content":"List the files"}],
             "tools":[{"type":"function","function":{"name":"Bash","description":"Runs a shell command","parameters":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}}]}
            """, sent);
    }

    [Fact]
    public async Task ClaudeCode_ToAModelThatAlwaysReasons_SendsNoReasoningEffort()
    {
        var sent = await SendClaudeCodeAsync("deepseek-reasoner", budget: 31999);

        AssertBody("""
            {"model":"deepseek-reasoner","stream":true,"stream_options":{"include_usage":true},"max_tokens":32000,"temperature":1,"user":"user_0123_account__session_4567",
             "messages":[{"role":"system","content":"You are Claude Code, Anthropic's official CLI for Claude."},{"role":"user","content":"List the files"}],
             "tools":[{"type":"function","function":{"name":"Bash","description":"Runs a shell command","parameters":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}}]}
            """, sent);
    }

    [Fact]
    public async Task Codex_ToAnAnthropicModel_GetsTheModelsDefaultMaxTokens_WithTheThinkingBudgetOfItsEffort()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);
        using var response = await client.PostAsync("/v1/responses", Json("""
            {"model":"gpt-5-codex","instructions":"You are Codex, based on GPT-5.",
             "input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"List the files"}]}],
             "tools":[{"type":"function","name":"shell","description":"Runs a shell command","strict":false,"parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}},"required":["command"],"additionalProperties":false}}],
             "tool_choice":"auto","parallel_tool_calls":false,"reasoning":{"effort":"medium","summary":"auto"},"store":false,"stream":true,
             "include":["reasoning.encrypted_content"],"prompt_cache_key":"0199a1b2-session"}
            """), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertBody("""
            {"model":"claude-sonnet-4-5-20250929","stream":true,"max_tokens":32000,
             "thinking":{"type":"enabled","budget_tokens":8192},
             "system":"You are Codex, based on GPT-5.",
             "messages":[{"role":"user","content":[{"type":"text","text":"List the files"}]}],
             "tools":[{"name":"shell","description":"Runs a shell command","input_schema":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}},"required":["command"],"additionalProperties":false}}],
             "tool_choice":{"type":"auto","disable_parallel_tool_use":true}}
            """, LastBody());
    }

    [Fact]
    public async Task OpenAICaller_AboveTheModelsOutputLimit_IsLoweredToIt()
    {
        var sent = await SendOpenAIAsync("""{"model":"claude-3-5-haiku-20241022","max_tokens":100000,"messages":[{"role":"user","content":"hi"}]}""");

        AssertBody("""{"model":"claude-3-5-haiku-20241022","stream":false,"max_tokens":8192,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}""", sent);
    }

    [Fact]
    public async Task OpenAICaller_TemperatureAndTopP_ToAModelTakingOnlyOne_SendsTheTemperature()
    {
        var sent = await SendOpenAIAsync("""{"model":"claude-sonnet-4-5-20250929","temperature":0.2,"top_p":0.9,"messages":[{"role":"user","content":"hi"}]}""");

        AssertBody("""{"model":"claude-sonnet-4-5-20250929","stream":false,"max_tokens":32000,"temperature":0.2,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}""", sent);
    }

    [Fact]
    public async Task OpenAICaller_ForcedToolWithReasoning_ToAnthropic_SendsNoThinking()
    {
        // Anthropic refuses extended thinking with a tool_choice that forces tool use.
        var sent = await SendOpenAIAsync("""
            {"model":"claude-sonnet-4-5-20250929","reasoning_effort":"high","tool_choice":"required",
             "tools":[{"type":"function","function":{"name":"ls","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}}],
             "messages":[{"role":"user","content":"hi"}]}
            """);

        AssertBody("""
            {"model":"claude-sonnet-4-5-20250929","stream":false,"max_tokens":32000,"tool_choice":{"type":"any"},
             "tools":[{"name":"ls","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}}],
             "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}
            """, sent);
    }

    [Fact]
    public async Task ChannelOverride_LowersTheLimitForThatChannelOnly_AndTheThinkingBudgetFitsUnderIt()
    {
        var small = await SendOpenAIAsync("""{"model":"small-sonnet","reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""");
        AssertBody("""
            {"model":"claude-sonnet-4-5-20250929","stream":false,"max_tokens":4000,"thinking":{"type":"enabled","budget_tokens":2000},
             "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}
            """, small);

        var full = await SendOpenAIAsync("""{"model":"claude-sonnet-4-5-20250929","reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""");
        AssertBody("""
            {"model":"claude-sonnet-4-5-20250929","stream":false,"max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":24576},
             "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}
            """, full);
    }

    [Fact]
    public async Task ConfiguredModel_WithoutReasoning_GetsNoReasoningEffort()
    {
        var sent = await SendClaudeCodeAsync("local-model", budget: 8000);

        AssertBody("""
            {"model":"local-model","stream":true,"stream_options":{"include_usage":true},"max_tokens":32000,"temperature":1,"user":"user_0123_account__session_4567",
             "messages":[{"role":"system","content":"You are Claude Code, Anthropic's official CLI for Claude."},{"role":"user","content":"List the files"}],
             "tools":[{"type":"function","function":{"name":"Bash","description":"Runs a shell command","parameters":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}}]}
            """, sent);
    }

    [Fact]
    public async Task OpenAICaller_ToAGeminiLevelModel_SendsAThinkingLevel_AndToAGeminiModelWithoutThinking_NoThinkingConfig()
    {
        var level = await SendOpenAIAsync("""{"model":"gemini-3-pro-preview","reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""");
        AssertBody("""
            {"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"thinkingConfig":{"includeThoughts":true,"thinkingLevel":"high"}}}
            """, level);

        var none = await SendOpenAIAsync("""{"model":"gemini-2.0-flash","reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""");
        AssertBody("""{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}""", none);
    }

    [Fact]
    public async Task AnthropicCallerWithoutMaxTokens_PassedThrough_GetsTheModelsDefault()
    {
        using var client = AnthropicClient();
        using var response = await client.PostAsync("/v1/messages", Json("""{"model":"claude-sonnet-4-5-20250929","messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertBody("""{"model":"claude-sonnet-4-5-20250929","messages":[{"role":"user","content":"hi"}],"max_tokens":32000}""", LastBody());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static void AssertBody(string expected, JsonNode actual)
    {
        var want = JsonNode.Parse(expected)!;
        Assert.True(JsonNode.DeepEquals(want, actual), $"expected {want.ToJsonString()}\n but the upstream got {actual.ToJsonString()}");
    }

    private HttpClient AnthropicClient()
    {
        var client = _gateway.CreateGatewayClient(null);
        client.DefaultRequestHeaders.Add("x-api-key", Settings.Key);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        return client;
    }

    private JsonNode LastBody() => JsonNode.Parse(_upstream.Requests.Last().Body)!;

    private async Task<JsonNode> SendGeminiAsync(string model, string body)
    {
        using var client = _gateway.CreateGatewayClient(null);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1beta/models/{model}:streamGenerateContent?alt=sse") { Content = Json(body) };
        request.Headers.Add("x-goog-api-key", Settings.Key);
        using var response = await client.SendAsync(request, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return LastBody();
    }

    private async Task<JsonNode> SendClaudeCodeAsync(string model, int budget)
    {
        using var client = AnthropicClient();
        using var response = await client.PostAsync("/v1/messages", Json($$$"""
            {"model":"{{{model}}}","max_tokens":32000,"stream":true,"temperature":1,
             "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.0.50.abc; cc_entrypoint=sdk-cli"},
                       {"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude.","cache_control":{"type":"ephemeral"}}],
             "messages":[{"role":"user","content":[{"type":"text","text":"List the files","cache_control":{"type":"ephemeral"}}]}],
             "tools":[{"name":"Bash","description":"Runs a shell command","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}],
             "metadata":{"user_id":"user_0123_account__session_4567"},
             "thinking":{"type":"enabled","budget_tokens":{{{budget}}}}}
            """), Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return LastBody();
    }

    private async Task<JsonNode> SendOpenAIAsync(string body)
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);
        using var response = await client.PostAsync("/v1/chat/completions", Json(body), Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return LastBody();
    }
}
