using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;

namespace LlmRelay.FunctionalTests.Scaling;

/// <summary>
/// A gateway whose Redis cannot be reached (issue #18): a lookup in the shared response store answers 503 in the OpenAI shape
/// and sends nothing upstream; a call that needs no lookup is answered, its response just not kept.
/// </summary>
public sealed class RedisUnavailableResponsesTests : IAsyncLifetime
{
    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.ResponsesJson));
        _gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.FlatPrice("openai-model"),
            Settings.Channel(0, _upstream.BaseUrl, ["openai-model"], name: "oa", type: "openai", mapping: new() { ["openai-model"] = "gpt-4o" }),
            new() { ["ConnectionStrings:Redis"] = $"127.0.0.1:{ClosedPort()},connectTimeout=300,syncTimeout=300,asyncTimeout=300,connectRetry=0" }));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task PreviousResponseId_WhileRedisIsDown_Is503InOpenAIShape_AndReachesNoUpstream()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/responses", Json("""{"model":"openai-model","previous_response_id":"resp_1","input":"Next"}"""), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!;
        Assert.Equal("response_store_unavailable", error["code"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task GetResponse_WhileRedisIsDown_Is503InOpenAIShape()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.GetAsync("/v1/responses/resp_1", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("response_store_unavailable", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task NewResponse_WhileRedisIsDown_IsAnswered()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/responses", Json("""{"model":"openai-model","input":"Hi"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("resp_1", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["id"]!.GetValue<string>());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    // A loopback port nothing listens on: bound, noted, released.
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
