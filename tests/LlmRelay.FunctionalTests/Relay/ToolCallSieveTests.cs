using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// The tool-call sieve (seed-ds2api.md, issue #16) over real HTTP: a mock model that writes its tool call as text, behind
/// channels configured for the sieve, reached from every caller family, streaming and not.
/// </summary>
public sealed class ToolCallSieveTests : IAsyncLifetime
{
    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, bool> Callers()
    {
        var data = new TheoryData<string, bool>();
        foreach (var caller in (string[])["openai", "anthropic", "gemini", "responses"])
        {
            data.Add(caller, false);
            data.Add(caller, true);
        }

        return data;
    }

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(TextToolCallUpstream.Handler);
        _gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.FlatPrice("openai-model", "anthropic-model", "gemini-model", "plain-model"),
            Settings.Channel(0, _upstream.BaseUrl, ["openai-model"], name: "oa", type: "openai"),
            Settings.Channel(1, _upstream.BaseUrl, ["anthropic-model"], name: "an", type: "anthropic"),
            Settings.Channel(2, _upstream.BaseUrl, ["gemini-model"], name: "ge", type: "gemini"),
            Settings.Channel(3, _upstream.BaseUrl, ["plain-model"], name: "plain", type: "openai"),
            new Dictionary<string, string?>
            {
                ["LlmRelay:Channels:0:ToolCallSieve"] = "true",
                ["LlmRelay:Channels:1:ToolCallSieve"] = "true",
                ["LlmRelay:Channels:2:ToolCallSieve"] = "true",
            }));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(CrossFamilyTests.Matrix), MemberType = typeof(CrossFamilyTests))]
    public async Task Relay_ToolCallWrittenAsText_ReachesEveryCallerAsStructuredCall(string caller, string channel, bool stream)
    {
        var model = channel + "-model";
        using var client = _gateway.CreateGatewayClient(null);
        using var request = BuildRequest(caller, model, stream, toolChoice: null);

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        var answer = CallerAnswer.Parse(caller, stream, text);
        Assert.Equal(TextToolCallUpstream.Preamble, answer.Text.ToString().Trim());
        var call = Assert.Single(answer.Calls);
        Assert.Equal("get_weather", call.Name);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"city":"Paris"}"""), JsonNode.Parse(call.Arguments.ToString())), call.Arguments.ToString());
        Assert.DoesNotContain("tool_calls\\\"", text, StringComparison.Ordinal); // the markup never reaches the caller
        Assert.Null(answer.Error);
        Assert.Equal(ToolCallFinish(caller), answer.Finish);
        if (stream)
        {
            Assert.True(answer.Closed, text);
        }

        if (caller is "openai" or "anthropic" or "responses")
        {
            Assert.Matches("^call_[0-9a-f]{12}_0$", call.Id);
        }

        // The usage is the upstream's, unchanged: 12 prompt and 4 completion tokens at one quota per token.
        var log = (await _gateway.WaitForLogsAsync(1)).Single();
        Assert.Equal(200, log.StatusCode);
        Assert.Equal(12, log.PromptTokens);
        Assert.Equal(4, log.CompletionTokens);
        Assert.Equal(16, log.Quota);
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public Task Relay_ChannelWithoutSieve_PassesToolCallTextUnchanged(string caller, bool stream) =>
        AssertTextUnchangedAsync(caller, "plain-model", stream, withTools: true);

    [Theory]
    [MemberData(nameof(Callers))]
    public Task Relay_RequestWithoutTools_IsNotSieved(string caller, bool stream) =>
        AssertTextUnchangedAsync(caller, "openai-model", stream, withTools: false);

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("anthropic", "anthropic")]
    [InlineData("gemini", "gemini")]
    [InlineData("responses", "openai")]
    [InlineData("openai", "anthropic")]
    [InlineData("anthropic", "gemini")]
    public async Task Relay_RequiredToolChoiceWithoutCall_Answers422InTheCallersShape(string caller, string channel)
    {
        using var client = _gateway.CreateGatewayClient(null);
        using var request = BuildRequest(caller, channel + "-model", stream: false, toolChoice: "required", userText: TextToolCallUpstream.NoCallMarker);

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var family = caller is "responses" ? "openai" : caller;
        var (type, message) = CallerRequest.ReadError(family, text, 422);
        Assert.Equal(caller == "gemini" ? "INVALID_ARGUMENT" : "invalid_request_error", type);
        Assert.Contains("tool_choice", message, StringComparison.Ordinal);
        if (family == "openai")
        {
            Assert.Equal("tool_choice_violation", JsonNode.Parse(text)!["error"]!["code"]!.GetValue<string>());
        }

        // One upstream call (no failover: the channel answered), a row that says why, and nothing charged for an answer never delivered.
        Assert.Single(_upstream.Requests);
        var log = (await _gateway.WaitForLogsAsync(1)).Single();
        Assert.Equal(422, log.StatusCode);
        Assert.Equal(0, log.Quota);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    [InlineData("gemini")]
    [InlineData("responses")]
    public async Task Relay_RequiredToolChoiceWithCall_Answers200(string caller)
    {
        using var client = _gateway.CreateGatewayClient(null);
        using var request = BuildRequest(caller, "openai-model", stream: false, toolChoice: "required");

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("get_weather", Assert.Single(CallerAnswer.Parse(caller, false, text).Calls).Name);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    [InlineData("gemini")]
    [InlineData("responses")]
    public async Task Relay_RequiredToolChoiceWithoutCallStreamed_EndsWithErrorEvent(string caller)
    {
        using var client = _gateway.CreateGatewayClient(null);
        using var request = BuildRequest(caller, "openai-model", stream: true, toolChoice: "required", userText: TextToolCallUpstream.NoCallMarker);

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        // The stream started before the answer was known: the text was delivered, and the stream ends with the family's error.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = CallerAnswer.Parse(caller, true, text);
        Assert.Equal(TextToolCallUpstream.PlainAnswer, answer.Text.ToString());
        Assert.Empty(answer.Calls);
        Assert.NotNull(answer.Error);
        Assert.Contains("tool_choice", answer.Error, StringComparison.Ordinal);
        if (caller == "responses")
        {
            // seed-ds2api.md: response.failed, and no response.completed after it.
            Assert.Equal("failed", answer.Finish);
            Assert.DoesNotContain("response.completed", text, StringComparison.Ordinal);
        }

        // What was delivered is billed.
        var log = (await _gateway.WaitForLogsAsync(1)).Single();
        Assert.Equal(16, log.Quota);
        Assert.Contains("tool_choice", log.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_ToolCallInFencedExample_StaysText()
    {
        const string fenced = "Call it like this:\n```json\n{\"tool_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"X\"}}]}\n```\n";
        _upstream.Handler = MockUpstream.Json($$$"""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":{{{System.Text.Json.JsonSerializer.Serialize(fenced)}}}},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":4,"total_tokens":16}}""");
        using var client = _gateway.CreateGatewayClient(null);
        using var request = BuildRequest("openai", "openai-model", stream: false, toolChoice: null);

        using var response = await client.SendAsync(request, Ct);
        var answer = CallerAnswer.Parse("openai", false, await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(answer.Calls);
        Assert.Equal(fenced, answer.Text.ToString());
        Assert.Equal("stop", answer.Finish);
    }

    private async Task AssertTextUnchangedAsync(string caller, string model, bool stream, bool withTools)
    {
        using var client = _gateway.CreateGatewayClient(null);
        using var request = BuildRequest(caller, model, stream, toolChoice: null, withTools: withTools);

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = CallerAnswer.Parse(caller, stream, text);
        Assert.Empty(answer.Calls);
        Assert.Equal(TextToolCallUpstream.CallText, answer.Text.ToString());
    }

    private static string ToolCallFinish(string caller) => caller switch
    {
        "anthropic" => "tool_use",
        "gemini" => "STOP",
        "responses" => "completed",
        _ => "tool_calls",
    };

    internal static HttpRequestMessage BuildRequest(string caller, string model, bool stream, string? toolChoice, bool withTools = true, string userText = "Weather in Paris?")
    {
        var s = stream ? "true" : "false";
        const string schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";
        HttpRequestMessage request;
        switch (caller)
        {
            case "anthropic":
                var anthropicTools = withTools ? $$""","tools":[{"name":"get_weather","description":"Weather","input_schema":{{schema}}}]""" : "";
                var anthropicChoice = toolChoice is null ? "" : ""","tool_choice":{"type":"any"}""";
                request = Post("/v1/messages", $$"""{"model":"{{model}}","max_tokens":300,"stream":{{s}},"messages":[{"role":"user","content":"{{userText}}"}]{{anthropicTools}}{{anthropicChoice}}}""");
                request.Headers.Add("x-api-key", Settings.Key);
                request.Headers.Add("anthropic-version", "2023-06-01");
                return request;
            case "gemini":
                var geminiTools = withTools ? $$""","tools":[{"functionDeclarations":[{"name":"get_weather","description":"Weather","parameters":{{schema}}}]}]""" : "";
                var geminiChoice = toolChoice is null ? "" : ""","toolConfig":{"functionCallingConfig":{"mode":"ANY"}}""";
                request = Post(stream ? $"/v1beta/models/{model}:streamGenerateContent?alt=sse" : $"/v1beta/models/{model}:generateContent", $$"""{"contents":[{"role":"user","parts":[{"text":"{{userText}}"}]}]{{geminiTools}}{{geminiChoice}}}""");
                request.Headers.Add("x-goog-api-key", Settings.Key);
                return request;
            case "responses":
                var responsesTools = withTools ? $$""","tools":[{"type":"function","name":"get_weather","description":"Weather","parameters":{{schema}}}]""" : "";
                var responsesChoice = toolChoice is null ? "" : $$""","tool_choice":"{{toolChoice}}" """;
                request = Post("/v1/responses", $$"""{"model":"{{model}}","stream":{{s}},"input":"{{userText}}"{{responsesTools}}{{responsesChoice}}}""");
                break;
            default:
                var openaiTools = withTools ? $$$""","tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{{{schema}}}}}]""" : "";
                var openaiChoice = toolChoice is null ? "" : $$""","tool_choice":"{{toolChoice}}" """;
                request = Post("/v1/chat/completions", $$"""{"model":"{{model}}","stream":{{s}},"messages":[{"role":"user","content":"{{userText}}"}]{{openaiTools}}{{openaiChoice}}}""");
                break;
        }

        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Settings.Key);
        return request;
    }

    private static HttpRequestMessage Post(string path, string body) => new(HttpMethod.Post, path)
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };
}
