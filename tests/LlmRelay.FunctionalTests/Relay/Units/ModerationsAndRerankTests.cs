using System.Net;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using static LlmRelay.FunctionalTests.Relay.Units.UnitGateway;

namespace LlmRelay.FunctionalTests.Relay.Units;

/// <summary>/v1/moderations (billed per call) and /v1/rerank (per search unit, or by tokens) on the relay pipeline (issue #17).</summary>
public sealed class ModerationsAndRerankTests
{
    private const string Moderation = """{"id":"modr-1","model":"omni-moderation-2024-09-26","results":[{"flagged":false,"categories":{"violence":false},"category_scores":{"violence":0.0001}}]}""";

    // Cohere's rerank answer: billed_units names the search units.
    private const string CohereRerank = """{"id":"r-1","results":[{"index":1,"relevance_score":0.9},{"index":0,"relevance_score":0.1}],"meta":{"api_version":{"version":"2"},"billed_units":{"search_units":2}}}""";

    // Jina's rerank answer: tokens, no search units.
    private const string JinaRerank = """{"model":"jina-reranker-v2-base-multilingual","usage":{"total_tokens":815},"results":[{"index":0,"relevance_score":0.8,"document":{"text":"a"}}]}""";

    private static readonly Dictionary<string, string?> Prices = new()
    {
        ["LlmRelay:Pricing:Models:mod-model:Unit"] = "Call",
        ["LlmRelay:Pricing:Models:mod-model:UnitPrice"] = "0.001",
        ["LlmRelay:Pricing:Models:omni-moderation-latest:Unit"] = "Call",
        ["LlmRelay:Pricing:Models:omni-moderation-latest:UnitPrice"] = "0.0005",
        ["LlmRelay:Pricing:Models:rerank-model:Unit"] = "SearchUnit",
        ["LlmRelay:Pricing:Models:rerank-model:UnitPrice"] = "0.002",
        ["LlmRelay:Pricing:Models:jina-rerank:ModelRatio"] = "1",
    };

    [Theory]
    [InlineData("default", 500)] // 0.001 USD x 500,000
    [InlineData("vip", 750)]     // x 1.5
    public async Task Moderations_PassThrough_BillsPerCall(string group, long quota)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Moderation));
        await using var gateway = Start(group, Prices, Channel(0, upstream.BaseUrl, ["mod-model"], mapping: new() { ["mod-model"] = "omni-moderation-latest" }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/moderations", Json("""{"model":"mod-model","input":["first text","second text"]}"""), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.False(JsonNode.Parse(text)!["results"]![0]!["flagged"]!.GetValue<bool>());
        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/moderations", sent.PathAndQuery);
        Assert.Equal("omni-moderation-latest", JsonNode.Parse(sent.Body)!["model"]!.GetValue<string>());
        await AssertChargedAsync(gateway, quota, "call", 1, null, 0.001);
    }

    [Fact]
    public async Task Moderations_WithoutModel_RoutesOpenAIsDefault_AndFailsOver()
    {
        await using var broken = await MockUpstream.StartAsync(MockUpstream.Json("""{"error":{"message":"boom"}}""", status: 500));
        await using var good = await MockUpstream.StartAsync(MockUpstream.Json(Moderation));
        await using var gateway = Start("default", Prices,
            Channel(0, broken.BaseUrl, ["omni-moderation-latest"], name: "broken", priority: 10),
            Channel(1, good.BaseUrl, ["omni-moderation-latest"], name: "good"));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/moderations", Json("""{"input":"is this fine?"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(broken.Requests);
        Assert.Equal("omni-moderation-latest", JsonNode.Parse(Assert.Single(good.Requests).Body)!["model"]!.GetValue<string>());
        var log = await AssertChargedAsync(gateway, 250, "call", 1, null, 0.0005);
        Assert.Equal(("omni-moderation-latest", "good"), (log.ModelName, log.ChannelName));
    }

    [Theory]
    [InlineData("""{"model":"mod-model"}""", "input")]
    [InlineData("""{"model":"mod-model","input":""}""", "input")]
    [InlineData("""{"model":"mod-model","input":[]}""", "input")]
    [InlineData("""{"model":7,"input":"x"}""", "model")]
    public async Task Moderations_BadInput_Is400_AndNothingIsSent(string json, string param)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Moderation));
        await using var gateway = Start("default", Prices, Channel(0, upstream.BaseUrl, ["mod-model"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/moderations", Json(json), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(param, error["param"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Rerank_CohereShape_BillsTheSearchUnitsReported()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(CohereRerank));
        await using var gateway = Start("vip", Prices, Channel(0, upstream.BaseUrl, ["rerank-model"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/rerank", Json("""{"model":"rerank-model","query":"capital of France","documents":["Berlin",{"text":"Paris"}],"top_n":1,"return_documents":true}"""), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(1, JsonNode.Parse(text)!["results"]![0]!["index"]!.GetValue<int>());
        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/rerank", sent.PathAndQuery);
        Assert.True(JsonNode.Parse(sent.Body)!["return_documents"]!.GetValue<bool>());
        await AssertChargedAsync(gateway, 3_000, "search_unit", 2, null, 0.002); // 2 x 0.002 x 500,000 x 1.5
    }

    [Fact]
    public async Task Rerank_AnswerWithoutSearchUnits_CountsOnePerHundredDocuments()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"results":[{"index":0,"relevance_score":0.5}]}"""));
        await using var gateway = Start("default", Prices, Channel(0, upstream.BaseUrl, ["rerank-model"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);
        var documents = string.Join(',', Enumerable.Range(0, 150).Select(static i => $"\"doc {i}\""));

        using var response = await client.PostAsync("/v1/rerank", Json($$"""{"model":"rerank-model","query":"q","documents":[{{documents}}]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await AssertChargedAsync(gateway, 2_000, "search_unit", 2, null, 0.002);
    }

    [Fact]
    public async Task Rerank_TokenPricedModel_IsBilledByTheTokensJinaReports()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(JinaRerank));
        await using var gateway = Start("default", Prices, Channel(0, upstream.BaseUrl, ["jina-rerank"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/rerank", Json("""{"model":"jina-rerank","query":"q","documents":["a","b"]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var log = await AssertChargedAsync(gateway, 815, "search_unit", 1, null, null);
        Assert.Equal(815, log.PromptTokens);
    }

    [Fact]
    public async Task Rerank_AzureChannel_CannotServeIt_Is404()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(CohereRerank));
        await using var gateway = Start("default", Prices, Channel(0, upstream.BaseUrl, ["rerank-model"], type: "azure"));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/rerank", Json("""{"model":"rerank-model","query":"q","documents":["a"]}"""), Ct);

        await AssertErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Empty(upstream.Requests);
    }

    [Theory]
    [InlineData("""{"query":"q","documents":["a"]}""", "model")]
    [InlineData("""{"model":"rerank-model","documents":["a"]}""", "query")]
    [InlineData("""{"model":"rerank-model","query":"q"}""", "documents")]
    [InlineData("""{"model":"rerank-model","query":"q","documents":[]}""", "documents")]
    [InlineData("""{"model":"rerank-model","query":"q","documents":["a"],"top_n":0}""", "top_n")]
    [InlineData("""{"model":"rerank-model","query":"q","documents":["a"],"return_documents":"yes"}""", "return_documents")]
    public async Task Rerank_BadInput_Is400_AndNothingIsSent(string json, string param)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(CohereRerank));
        await using var gateway = Start("default", Prices, Channel(0, upstream.BaseUrl, ["rerank-model"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/rerank", Json(json), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(param, error["param"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }
}
