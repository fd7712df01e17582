using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Anthropic bodies without max_tokens get LlmRelay:AnthropicDefaultMaxTokens (seed-ds2api.md: 8192), on pass-through and on conversion (issue #15).</summary>
public sealed class AnthropicMaxTokensTests : IAsyncLifetime
{
    private MockUpstream _upstream = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    private GatewayFactory CreateGateway(Dictionary<string, string?>? extra = null)
    {
        var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, _upstream.BaseUrl, ["claude-sonnet-4"], name: "an", type: "anthropic"),
            Settings.Channel(1, _upstream.BaseUrl, ["gpt-4o"], name: "oa"),
            extra ?? []));
        gateway.Start();
        return gateway;
    }

    private static HttpClient AnthropicClient(GatewayFactory gateway)
    {
        var client = gateway.CreateGatewayClient(null);
        client.DefaultRequestHeaders.Add("x-api-key", Settings.Key);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        return client;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private JsonNode LastUpstreamBody() => JsonNode.Parse(_upstream.Requests.Last().Body)!;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnthropicCallerWithoutMaxTokens_ToAnAnthropicChannel_SendsTheDefault(bool stream)
    {
        await using var gateway = CreateGateway();
        using var client = AnthropicClient(gateway);

        var body = $$"""{"model":"claude-sonnet-4","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""";
        using var response = await client.PostAsync("/v1/messages", Json(body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(stream ? "event: message_stop" : FamilyUpstream.Text, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(8192, LastUpstreamBody()["max_tokens"]!.GetValue<int>());
        Assert.Equal("hi", LastUpstreamBody()["messages"]![0]!["content"]!.GetValue<string>()); // the rest passes through
    }

    [Fact]
    public async Task AnthropicCallerWithMaxTokens_KeepsIt()
    {
        await using var gateway = CreateGateway();
        using var client = AnthropicClient(gateway);

        using var response = await client.PostAsync("/anthropic/v1/messages", Json("""{"model":"claude-sonnet-4","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(64, LastUpstreamBody()["max_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task ConfiguredDefault_AppliesToPassThroughAndToConversionFromOpenAI()
    {
        await using var gateway = CreateGateway(new() { ["LlmRelay:AnthropicDefaultMaxTokens"] = "1000" });
        using var anthropic = AnthropicClient(gateway);
        using var openAI = gateway.CreateGatewayClient(Settings.Key);

        using var passed = await anthropic.PostAsync("/v1/messages", Json("""{"model":"claude-sonnet-4","messages":[{"role":"user","content":"hi"}]}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
        Assert.Equal(1000, LastUpstreamBody()["max_tokens"]!.GetValue<int>());

        using var converted = await openAI.PostAsync("/v1/chat/completions", Json("""{"model":"claude-sonnet-4","messages":[{"role":"user","content":"hi"}]}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, converted.StatusCode);
        Assert.EndsWith("/messages", _upstream.Requests.Last().PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(1000, LastUpstreamBody()["max_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task AnthropicCallerWithoutMaxTokens_ToAnOpenAIChannel_AddsNoLimit()
    {
        await using var gateway = CreateGateway();
        using var client = AnthropicClient(gateway);

        using var response = await client.PostAsync("/v1/messages", Json("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/chat/completions", _upstream.Requests.Last().PathAndQuery);
        Assert.Null(LastUpstreamBody()["max_tokens"]);
        Assert.Null(LastUpstreamBody()["max_completion_tokens"]);
    }

    [Fact]
    public async Task NullMaxTokens_Returns400InAnthropicsShape_WithoutCallingTheUpstream()
    {
        await using var gateway = CreateGateway();
        using var client = AnthropicClient(gateway);

        using var response = await client.PostAsync("/v1/messages", Json("""{"model":"claude-sonnet-4","max_tokens":null,"messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("invalid_request_error", json["error"]!["type"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task NonPositiveDefault_FailsAtStart_NamingTheSetting()
    {
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Token(), new() { ["LlmRelay:AnthropicDefaultMaxTokens"] = "0" }));

        var error = Assert.ThrowsAny<Exception>(gateway.Start);

        Assert.Contains("LlmRelay:AnthropicDefaultMaxTokens", error.ToString(), StringComparison.Ordinal);
    }
}
