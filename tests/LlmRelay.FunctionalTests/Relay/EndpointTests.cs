using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>The OpenAI-only routes, Azure channels, model listings, count_tokens, the response store and global aliases.</summary>
public sealed class EndpointTests : IAsyncLifetime
{
    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        _gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Token(key: "sk-second-key-00000000000000000000", name: "second", index: 1),
            Settings.Channel(0, _upstream.BaseUrl, ["gpt-4o", "gpt-3.5-turbo-instruct", "text-embedding-3-small"], name: "oa"),
            Settings.Channel(1, _upstream.BaseUrl + "/?api-version=2025-01-01", ["azure-gpt"], name: "az", type: "azure", mapping: new() { ["azure-gpt"] = "my-deployment" }),
            Settings.Channel(2, _upstream.BaseUrl, ["claude-sonnet-4"], name: "an", type: "anthropic"),
            new()
            {
                ["LlmRelay:ModelAliases:best"] = "gpt-4o",
                ["LlmRelay:ModelAliases:gpt-4o"] = "claude-sonnet-4", // never applies: a channel serves gpt-4o
                ["LlmRelay:ModelFamilies:claude-*"] = "claude-sonnet-4",
                ["LlmRelay:ModelFamilies:gpt-*"] = "gpt-4o",
            }));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Completions_PassThrough_StreamAndNot()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        var plain = await client.PostAsync("/v1/completions", Json("""{"model":"gpt-3.5-turbo-instruct","prompt":"Say hi"}"""), Ct);
        Assert.Equal(FamilyUpstream.CompletionsJson, await plain.Content.ReadAsStringAsync(Ct));

        var stream = await client.PostAsync("/v1/completions", Json("""{"model":"gpt-3.5-turbo-instruct","prompt":"Say hi","stream":true}"""), Ct);
        var text = await stream.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Hello from upstream", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"usage\"", text, StringComparison.Ordinal); // asked for on the caller's behalf, then stripped
        Assert.True(JsonNode.Parse(_upstream.Requests.Last().Body)!["stream_options"]!["include_usage"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Embeddings_PassThrough_IncludingTheEnginesRoute()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        var direct = await client.PostAsync("/v1/embeddings", Json("""{"model":"text-embedding-3-small","input":"hello"}"""), Ct);
        Assert.Equal(FamilyUpstream.EmbeddingsJson, await direct.Content.ReadAsStringAsync(Ct));

        var engines = await client.PostAsync("/v1/engines/text-embedding-3-small/embeddings", Json("""{"input":["a","b"]}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, engines.StatusCode);
        var sent = JsonNode.Parse(_upstream.Requests.Last().Body)!;
        Assert.Equal("text-embedding-3-small", sent["model"]!.GetValue<string>());
        Assert.Equal("/v1/embeddings", _upstream.Requests.Last().PathAndQuery);

        var missingInput = await client.PostAsync("/v1/embeddings", Json("""{"model":"text-embedding-3-small"}"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, missingInput.StatusCode);
    }

    [Fact]
    public async Task EmbeddingsForAModelOnlyAnAnthropicChannelServes_Returns404()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        var response = await client.PostAsync("/v1/embeddings", Json("""{"model":"claude-sonnet-4","input":"hello"}"""), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("supports this endpoint", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AzureChannel_UsesDeploymentUrlApiVersionAndApiKeyHeader()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"azure-gpt","messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = _upstream.Requests.Last();
        Assert.Equal("/openai/deployments/my-deployment/chat/completions?api-version=2025-01-01", sent.PathAndQuery);
        Assert.Equal(Settings.UpstreamKey, sent.Headers["api-key"]);
        Assert.False(sent.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task GlobalAlias_RoutesToTheRealModel_AndLogsWhatTheCallerAsked()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"best","messages":[{"role":"user","content":"alias"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt-4o", JsonNode.Parse(_upstream.Requests.Last().Body)!["model"]!.GetValue<string>());
        Assert.Contains(await _gateway.WaitForLogsAsync(1), l => l.ModelName == "best");
    }

    [Fact]
    public async Task FamilyFallback_UnservedNameOfAConfiguredFamily_RoutesToTheFamilysModel()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        var served = await client.PostAsync("/v1/chat/completions", Json("""{"model":"gpt-4o","messages":[{"role":"user","content":"native"}]}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("/v1/chat/completions", _upstream.Requests.Last().PathAndQuery); // not redirected to the Anthropic channel by the alias

        var family = await client.PostAsync("/v1/chat/completions", Json("""{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"family"}]}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, family.StatusCode);
        Assert.Equal("gpt-4o", JsonNode.Parse(_upstream.Requests.Last().Body)!["model"]!.GetValue<string>());

        var unknown = await client.PostAsync("/v1/chat/completions", Json("""{"model":"deepseek-chat","messages":[{"role":"user","content":"none"}]}"""), Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var error = JsonNode.Parse(await unknown.Content.ReadAsStringAsync(Ct))!["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal("model_not_found", error["code"]!.GetValue<string>());
        Assert.Contains(await _gateway.WaitForLogsAsync(2), l => l.ModelName == "gpt-4.1-mini");
    }

    [Fact]
    public async Task PublicModelRoutes_AnswerWithoutAKey_AndRefuseAWrongOne()
    {
        using var anonymous = _gateway.CreateGatewayClient(null);

        var byId = JsonNode.Parse(await anonymous.GetStringAsync("/v1/models/gpt-4o", Ct))!;
        Assert.Equal("model", byId["object"]!.GetValue<string>());
        Assert.Equal("gpt-4o", JsonNode.Parse(await anonymous.GetStringAsync("/v1/models/best", Ct))!["id"]!.GetValue<string>()); // an alias answers with its model
        Assert.Equal("claude-sonnet-4", JsonNode.Parse(await anonymous.GetStringAsync("/v1/models/claude-3-5-haiku-latest", Ct))!["id"]!.GetValue<string>());
        var anthropicList = JsonNode.Parse(await anonymous.GetStringAsync("/anthropic/v1/models", Ct))!;
        Assert.Contains(anthropicList["data"]!.AsArray(), m => m!["id"]!.GetValue<string>() == "claude-sonnet-4");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/models", Ct)).StatusCode); // the list stays "token" (endpoints.tsv)

        using var wrong = _gateway.CreateGatewayClient("sk-wrong-00000000000000000000");
        var refused = await wrong.GetAsync("/v1/models/gpt-4o", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.NotNull(JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!["error"]!["message"]);
    }

    [Fact]
    public async Task ModelById_KeyLimitedToOtherModels_Returns404InOpenAIShape()
    {
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(models: ["gpt-4o-mini"]),
            Settings.Channel(0, _upstream.BaseUrl, ["gpt-4o", "gpt-4o-mini"])));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var allowed = await client.GetAsync("/v1/models/gpt-4o-mini", Ct);
        var denied = await client.GetAsync("/v1/models/gpt-4o", Ct);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, denied.StatusCode);
        var error = JsonNode.Parse(await denied.Content.ReadAsStringAsync(Ct))!["error"]!;
        Assert.Equal("model_not_found", error["code"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Models_AnswerInTheShapeTheHeadersAskFor()
    {
        using var openai = _gateway.CreateGatewayClient(Settings.Key);
        var list = JsonNode.Parse(await openai.GetStringAsync("/v1/models", Ct))!;
        Assert.Equal("list", list["object"]!.GetValue<string>());

        using var anthropic = _gateway.CreateGatewayClient(null);
        anthropic.DefaultRequestHeaders.Add("x-api-key", Settings.Key);
        anthropic.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        var anthropicList = JsonNode.Parse(await anthropic.GetStringAsync("/v1/models", Ct))!;
        Assert.Equal("model", anthropicList["data"]![0]!["type"]!.GetValue<string>());
        Assert.False(anthropicList["has_more"]!.GetValue<bool>());
        Assert.Equal(anthropicList.ToJsonString(), JsonNode.Parse(await anthropic.GetStringAsync("/anthropic/v1/models", Ct))!.ToJsonString());

        using var gemini = _gateway.CreateGatewayClient(null);
        var geminiList = JsonNode.Parse(await gemini.GetStringAsync($"/v1beta/models?key={Settings.Key}", Ct))!;
        Assert.Contains(geminiList["models"]!.AsArray(), m => m!["name"]!.GetValue<string>() == "models/gpt-4o");
        gemini.DefaultRequestHeaders.Add("x-goog-api-key", Settings.Key);
        Assert.NotNull(JsonNode.Parse(await gemini.GetStringAsync("/v1/models", Ct))!["models"]);
    }

    [Fact]
    public async Task ModelById_ResolvesAliasesAndChannelMappings_Else404()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        Assert.Equal("azure-gpt", JsonNode.Parse(await client.GetStringAsync("/v1/models/azure-gpt", Ct))!["id"]!.GetValue<string>());
        var missing = await client.GetAsync("/v1/models/nope", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task AnthropicErrors_UseAnthropicsShape()
    {
        using var client = _gateway.CreateGatewayClient(null);
        client.DefaultRequestHeaders.Add("x-api-key", "sk-wrong-00000000000000000000");

        var response = await client.PostAsync("/v1/messages", Json("""{"model":"claude-sonnet-4","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("error", json["type"]!.GetValue<string>());
        Assert.Equal("authentication_error", json["error"]!["type"]!.GetValue<string>());

        client.DefaultRequestHeaders.Remove("x-api-key");
        client.DefaultRequestHeaders.Add("x-api-key", Settings.Key);
        var noMessages = await client.PostAsync("/v1/messages", Json("""{"model":"claude-sonnet-4","max_tokens":5}"""), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, noMessages.StatusCode);
        Assert.Equal("invalid_request_error", JsonNode.Parse(await noMessages.Content.ReadAsStringAsync(Ct))!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task GeminiErrors_UseGeminisShape()
    {
        using var client = _gateway.CreateGatewayClient(null);

        var response = await client.PostAsync("/v1beta/models/gpt-4o:generateContent?key=sk-bad-000000000000000000", Json("""{"contents":[{"parts":[{"text":"hi"}]}]}"""), Ct);
        var unknownAction = await client.PostAsync($"/v1beta/models/gpt-4o:countTokens?key={Settings.Key}", Json("{}"), Ct);
        var empty = await client.PostAsync($"/v1beta/models/gpt-4o:generateContent?key={Settings.Key}", Json("""{"contents":[]}"""), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("UNAUTHENTICATED", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, unknownAction.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("INVALID_ARGUMENT", JsonNode.Parse(await empty.Content.ReadAsStringAsync(Ct))!["error"]!["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/v1/messages/count_tokens")]
    [InlineData("/anthropic/v1/messages/count_tokens")]
    [InlineData("/messages/count_tokens")]
    public async Task CountTokens_IsCountedLocally_NeverRelayedOrBilled(string path)
    {
        using var client = _gateway.CreateGatewayClient(null);
        client.DefaultRequestHeaders.Add("x-api-key", Settings.Key);
        var before = _upstream.Requests.Count;

        var response = await client.PostAsync(path, Json("""{"model":"claude-sonnet-4","system":"You are terse.","messages":[{"role":"user","content":"How many tokens is this sentence, roughly?"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var count = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["input_tokens"]!.GetValue<int>();
        Assert.InRange(count, 10, 60);
        Assert.Equal(before, _upstream.Requests.Count);
    }

    [Fact]
    public async Task StoredResponse_IsReadableOnlyWithTheKeyThatCreatedIt()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);
        var created = await client.PostAsync("/v1/responses", Json("""{"model":"gpt-4o","input":"store me"}"""), Ct);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!["id"]!.GetValue<string>();

        var mine = await client.GetAsync($"/v1/responses/{id}", Ct);
        using var other = _gateway.CreateGatewayClient("sk-second-key-00000000000000000000");
        var theirs = await other.GetAsync($"/v1/responses/{id}", Ct);

        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.Equal(FamilyUpstream.ResponsesJson, await mine.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/responses/resp_unknown", Ct)).StatusCode);
    }
}
