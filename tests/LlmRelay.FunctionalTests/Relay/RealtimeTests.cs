using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Usage;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// The Realtime API (<c>GET /v1/realtime</c>, issue #17): real <see cref="ClientWebSocket"/>s on loopback through the gateway to
/// mock realtime upstreams, frames both ways, every <c>response.done</c> billed as the session goes.
/// </summary>
public sealed class RealtimeTests : IAsyncDisposable
{
    private const long Quota = 100_000;
    private const string Model = "rt-model";

    private readonly List<IAsyncDisposable> _owned = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    [Fact]
    public async Task Session_RelaysEventsBothWays_BillsEachResponseDone_AndAnUpstreamDropClosesWithAReason()
    {
        var script = new RealtimeUpstream { DropAfter = 2 };
        script.Responses.Add((100, 200, 40, 150));
        script.Responses.Add((300, 50, 0, 0));
        var upstream = await StartUpstreamAsync(script.HandleAsync);
        var gateway = StartGateway(Settings.Token(unlimited: false, remainQuota: Quota), Settings.Channel(0, upstream.BaseUrl, [Model], name: "rt", mapping: new() { [Model] = "gpt-4o-realtime-preview" }));

        using var socket = await ConnectAsync(gateway, Settings.Key);
        await SendAsync(socket, """{"type":"session.update","session":{"modalities":["text"]}}""");
        Assert.Equal("session.updated", Type(await ReceiveAsync(socket)));
        await SendAsync(socket, """{"type":"response.create"}""");
        Assert.Equal("response.text.delta", Type(await ReceiveAsync(socket)));
        Assert.Equal("response.done", Type(await ReceiveAsync(socket)));
        await SendAsync(socket, """{"type":"response.create","response":{"modalities":["text"]}}""");
        var delta = await ReceiveAsync(socket);
        Assert.True(Type(delta) == "response.text.delta", delta?.ToJsonString());
        Assert.Equal("response.done", Type(await ReceiveAsync(socket)));

        await SendAsync(socket, """{"type":"input_audio_buffer.append","audio":"AAAA"}""");

        // The upstream dropped: an error event, then a close frame that says why.
        var error = await ReceiveAsync(socket);
        Assert.Equal("error", Type(error));
        Assert.Equal("upstream_closed", error!["error"]!["code"]!.GetValue<string>());
        await ReceiveCloseAsync(socket);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, socket.CloseStatus);
        Assert.StartsWith("upstream_closed", socket.CloseStatusDescription, StringComparison.Ordinal);

        // The upstream saw the caller's events as they were sent, the channel's key and model, never the gateway key.
        Assert.Equal(4, script.Received.Count);
        Assert.Contains("\"modalities\":[\"text\"]", script.Received.ElementAt(2), StringComparison.Ordinal);
        var handshake = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/realtime?model=gpt-4o-realtime-preview", handshake.PathAndQuery);
        Assert.Equal("Bearer " + Settings.UpstreamKey, handshake.Headers["Authorization"]);
        Assert.DoesNotContain(Settings.Key, string.Join("\n", handshake.Headers.Values), StringComparison.Ordinal);

        // One row per response (exactly its usage), one system row for the session; the balance moved by both responses only.
        var logs = await gateway.WaitForLogsAsync(3);
        var responses = logs.Where(static l => l.Type == UsageLogType.Consume).OrderBy(static l => l.RequestId, StringComparer.Ordinal).ToList();
        Assert.Equal(2, responses.Count);
        Assert.Equal((100, 200, 300L), (responses[0].PromptTokens, responses[0].CompletionTokens, responses[0].Quota));
        Assert.Equal((300, 50, 350L), (responses[1].PromptTokens, responses[1].CompletionTokens, responses[1].Quota));
        Assert.Contains("audio tokens in 40, out 150", responses[0].Content, StringComparison.Ordinal);
        Assert.All(responses, static r => Assert.Equal(Model, r.ModelName));
        var session = Assert.Single(logs, static l => l.Type == UsageLogType.System);
        Assert.Equal(0, session.Quota);
        Assert.Contains("2 response(s) billed; the upstream dropped the connection", session.Content, StringComparison.Ordinal);
        Assert.Equal(Quota - 650, await QuotaLedgerTests.RemainAsync(gateway));
    }

    [Fact]
    public async Task WrongKey_IsRefusedBeforeTheUpgrade_With401_AndNoUpstreamConnection()
    {
        var script = new RealtimeUpstream();
        var upstream = await StartUpstreamAsync(script.HandleAsync);
        var gateway = StartGateway(Settings.Token(), Settings.Channel(0, upstream.BaseUrl, [Model]));

        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", "Bearer sk-wrong-key-000000000000000000000");
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(RealtimeUri(gateway), Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task PlainGet_WithoutAnUpgrade_Gets426_InTheOpenAIShape()
    {
        var upstream = await StartUpstreamAsync(new RealtimeUpstream().HandleAsync);
        var gateway = StartGateway(Settings.Token(), Settings.Channel(0, upstream.BaseUrl, [Model]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.GetAsync($"/v1/realtime?model={Model}", Ct);

        Assert.Equal((HttpStatusCode)426, response.StatusCode);
        Assert.Equal("upgrade_required", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!["code"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task QuotaExhaustedMidSession_ClosesTheSessionWithAReason_AndBillsWhatWasUsed()
    {
        // Flat price: a session reserves one response (1,024 output tokens = 1,024 quota) and tops it up after each response.
        var script = new RealtimeUpstream();
        script.Responses.Add((100, 200, 0, 0));
        script.Responses.Add((100, 200, 0, 0));
        script.Responses.Add((100, 200, 0, 0));
        var upstream = await StartUpstreamAsync(script.HandleAsync);
        var gateway = StartGateway(Settings.Token(unlimited: false, remainQuota: 1500), Settings.Channel(0, upstream.BaseUrl, [Model]));

        using var socket = await ConnectAsync(gateway, Settings.Key);
        await SendAsync(socket, """{"type":"response.create"}""");
        await ReceiveAsync(socket);
        Assert.Equal("response.done", Type(await ReceiveAsync(socket)));
        await SendAsync(socket, """{"type":"response.create"}""");
        await ReceiveAsync(socket);
        Assert.Equal("response.done", Type(await ReceiveAsync(socket)));

        // 1,500 - 1,024 reserved - 300 (topped up after the first response) leaves 176: the second top-up is refused.
        var error = await ReceiveAsync(socket);
        Assert.Equal("insufficient_quota", error!["error"]!["code"]!.GetValue<string>());
        await ReceiveCloseAsync(socket);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.StartsWith("insufficient_quota", socket.CloseStatusDescription, StringComparison.Ordinal);
        Assert.Equal("client closed", await script.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        var logs = await gateway.WaitForLogsAsync(3);
        Assert.Equal(2, logs.Count(static l => l.Type == UsageLogType.Consume && l.Quota == 300));
        Assert.Contains("insufficient_quota", Assert.Single(logs, static l => l.Type == UsageLogType.System).Content, StringComparison.Ordinal);
        Assert.Equal(1500 - 600, await QuotaLedgerTests.RemainAsync(gateway));
    }

    [Fact]
    public async Task FirstChannelRefusingTheUpgrade_FailsOverToTheSecond()
    {
        var broken = await StartUpstreamAsync(MockUpstream.Json("""{"error":{"message":"overloaded","type":"server_error"}}""", 503));
        var script = new RealtimeUpstream();
        script.Responses.Add((10, 20, 0, 0));
        var healthy = await StartUpstreamAsync(script.HandleAsync);
        var gateway = StartGateway(
            Settings.Token(unlimited: false, remainQuota: Quota),
            Settings.Channel(0, broken.BaseUrl, [Model], name: "broken", priority: 10),
            Settings.Channel(1, healthy.BaseUrl, [Model], name: "healthy"));

        using var socket = await ConnectAsync(gateway, Settings.Key);
        await SendAsync(socket, """{"type":"response.create"}""");
        await ReceiveAsync(socket);
        Assert.Equal("response.done", Type(await ReceiveAsync(socket)));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);

        Assert.Single(broken.Requests);
        Assert.Single(healthy.Requests);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        var logs = await gateway.WaitForLogsAsync(2);
        var row = Assert.Single(logs, static l => l.Type == UsageLogType.Consume);
        Assert.Equal("healthy", row.ChannelName);
        Assert.Equal(30, row.Quota);
        Assert.Contains("the client closed it (1000)", Assert.Single(logs, static l => l.Type == UsageLogType.System).Content, StringComparison.Ordinal);
        Assert.Equal(Quota - 30, await QuotaLedgerTests.RemainAsync(gateway));
    }

    [Fact]
    public async Task AzureChannel_WithTheKeyAsASubprotocol_GetsAzuresRealtimeUrlAndApiKey_AndTheBetaHeader()
    {
        var script = new RealtimeUpstream();
        script.Responses.Add((5, 5, 0, 0));
        var upstream = await StartUpstreamAsync(script.HandleAsync);
        var gateway = StartGateway(Settings.Token(), Settings.Channel(0, upstream.BaseUrl, [Model], type: "azure", mapping: new() { [Model] = "my-realtime" }));

        // What a browser sends: no headers, the key and the beta interface as subprotocols.
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("realtime");
        socket.Options.AddSubProtocol("openai-insecure-api-key." + Settings.Key);
        socket.Options.AddSubProtocol("openai-beta.realtime-v1");
        await socket.ConnectAsync(RealtimeUri(gateway), Ct);
        Assert.Equal("realtime", socket.SubProtocol);
        await SendAsync(socket, """{"type":"response.create"}""");
        await ReceiveAsync(socket);
        Assert.Equal("response.done", Type(await ReceiveAsync(socket)));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Ct);

        var handshake = Assert.Single(upstream.Requests);
        Assert.Equal("/openai/realtime?api-version=2025-04-01-preview&deployment=my-realtime", handshake.PathAndQuery);
        Assert.Equal(Settings.UpstreamKey, handshake.Headers["api-key"]);
        Assert.Equal("realtime=v1", handshake.Headers["OpenAI-Beta"]);
        Assert.DoesNotContain(Settings.Key, string.Join("\n", handshake.Headers.Values), StringComparison.Ordinal);
    }

    private async Task<MockUpstream> StartUpstreamAsync(Func<Microsoft.AspNetCore.Http.HttpContext, RecordedRequest, Task> handler)
    {
        var upstream = await MockUpstream.StartAsync(handler);
        _owned.Add(upstream);
        return upstream;
    }

    private GatewayFactory StartGateway(params Dictionary<string, string?>[] settings)
    {
        var gateway = new GatewayFactory(Settings.Merge([.. settings, Settings.FlatPrice(Model, "gpt-4o-realtime-preview", "my-realtime")]));
        _owned.Add(gateway);
        gateway.Start();
        return gateway;
    }

    private static Uri RealtimeUri(GatewayFactory gateway) => new($"ws://{gateway.BaseAddress.Authority}/v1/realtime?model={Model}");

    private static async Task<ClientWebSocket> ConnectAsync(GatewayFactory gateway, string key)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        await socket.ConnectAsync(RealtimeUri(gateway), Ct);
        return socket;
    }

    private static Task SendAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, Ct);

    private static async Task<JsonNode?> ReceiveAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
            length += result.Count;
        }
        while (!result.EndOfMessage);

        Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
        return JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, length));
    }

    private static async Task ReceiveCloseAsync(ClientWebSocket socket)
    {
        var result = await socket.ReceiveAsync(new byte[1024], Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Ct);
    }

    private static string? Type(JsonNode? message) => message?["type"]?.GetValue<string>();
}
