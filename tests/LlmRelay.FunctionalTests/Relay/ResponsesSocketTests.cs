using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// The Responses API over WebSocket (<c>GET /v1/responses</c> upgraded), as Codex CLI opens it before falling back to HTTP
/// (issue #16): real <see cref="ClientWebSocket"/>s on loopback against the gateway and mock upstreams of every family.
/// </summary>
public sealed class ResponsesSocketTests : IAsyncLifetime
{
    private const long Quota = 100_000;

    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        _gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: Quota),
            Settings.FlatPrice("openai-model", "chat-model", "anthropic-model", "gemini-model"),
            Settings.Channel(0, _upstream.BaseUrl, ["openai-model"], name: "oa", type: "openai", mapping: new() { ["openai-model"] = "gpt-4o" }),
            // Azure serves no Responses API: the socket's calls are converted to Chat Completions there.
            Settings.Channel(1, _upstream.BaseUrl, ["chat-model"], name: "az", type: "azure", mapping: new() { ["chat-model"] = "gpt-4o" }),
            Settings.Channel(2, _upstream.BaseUrl, ["anthropic-model"], name: "an", type: "anthropic", mapping: new() { ["anthropic-model"] = "claude-sonnet-4-20250514" }),
            Settings.Channel(3, _upstream.BaseUrl, ["gemini-model"], name: "ge", type: "gemini", mapping: new() { ["gemini-model"] = "gemini-2.5-flash" })));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData("openai", "/v1/responses")]
    [InlineData("chat", "/openai/deployments/gpt-4o/chat/completions")]
    [InlineData("anthropic", "/v1/messages")]
    [InlineData("gemini", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")]
    public async Task ResponseCreate_OnEveryChannelType_StreamsTheResponseEvents_AndBillsLikeHttp(string channel, string upstreamPath)
    {
        using var socket = await ConnectAsync();

        await SendAsync(socket, $$"""{"type":"response.create","model":"{{channel}}-model","input":"Hi","tools":[]}""");
        var events = await ReceiveResponseAsync(socket);

        Assert.Equal("response.completed", Type(events[^1]));
        Assert.Equal(FamilyUpstream.Text, Text(events));
        Assert.All(events, static e => Assert.NotNull(e["type"]));
        var sent = Assert.Single(_upstream.Requests);
        Assert.StartsWith(upstreamPath, sent.PathAndQuery, StringComparison.Ordinal);
        Assert.DoesNotContain(Settings.Key, sent.BodyText + string.Join("\n", sent.Headers.Values), StringComparison.Ordinal);
        var body = JsonNode.Parse(sent.Body)!.AsObject();
        if (channel == "openai")
        {
            // Passed through as the HTTP route would send it: streamed, without the socket's envelope.
            Assert.True(body["stream"]!.GetValue<bool>());
            Assert.False(body.ContainsKey("type"));
            Assert.Equal("gpt-4o", body["model"]!.GetValue<string>());
        }

        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal(200, log.StatusCode);
        Assert.True(log.IsStream);
        Assert.Equal(channel + "-model", log.ModelName);
        Assert.Equal(12, log.PromptTokens);
        Assert.Equal(4, log.CompletionTokens);
        Assert.Equal(16, log.Quota);
        Assert.Equal(Quota - 16, await QuotaLedgerTests.RemainAsync(_gateway));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task SeveralResponses_OnOneSocket_ChainByPreviousResponseId_AndEachIsBilled_OnAConvertedChannel()
    {
        using var socket = await ConnectAsync();

        await SendAsync(socket, """{"type":"response.create","model":"anthropic-model","input":[{"role":"user","content":"Hi"}]}""");
        var first = await ReceiveResponseAsync(socket);
        var firstId = first[^1]["response"]!["id"]!.GetValue<string>();
        // Codex sends only the new items with the id of the response it continues (responses_websocket.rs).
        await SendAsync(socket, $$"""{"type":"response.create","model":"anthropic-model","previous_response_id":"{{firstId}}","input":[{"role":"user","content":"And then?"}]}""");
        var second = await ReceiveResponseAsync(socket);

        Assert.Equal("response.completed", Type(second[^1]));
        Assert.Equal(FamilyUpstream.Text, Text(second));
        Assert.Equal(2, _upstream.Requests.Count);
        var messages = JsonNode.Parse(_upstream.Requests.Last().Body)!["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], messages.Select(static m => m!["role"]!.GetValue<string>()));
        Assert.Contains(FamilyUpstream.Text, messages[1]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("And then?", messages[2]!.ToJsonString(), StringComparison.Ordinal);

        var logs = await _gateway.WaitForLogsAsync(2);
        Assert.Equal(2, logs.Count);
        Assert.All(logs, static l => Assert.Equal(16, l.Quota));
        Assert.NotEqual(logs[0].RequestId, logs[1].RequestId);
        Assert.Equal(Quota - 32, await QuotaLedgerTests.RemainAsync(_gateway));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task PassThroughChain_SendsTheWholeConversationUpstream_WithoutThePreviousResponseId()
    {
        // A real OpenAI stream (../shared/fixtures/upstream): two function calls, then response.completed.
        var recorded = UpstreamFixtures.Read("openai/responses-stream-function-call.sse");
        _upstream.Handler = MockUpstream.Sse(recorded, chunkSize: 97);
        using var socket = await ConnectAsync();

        await SendAsync(socket, """{"type":"response.create","model":"openai-model","store":false,"input":[{"role":"user","content":"Secrets for mellon and radiance?"}],"tools":[]}""");
        var first = await ReceiveResponseAsync(socket);
        var calls = first.Where(static e => Type(e) == "response.output_item.done").Select(static e => e["item"]!["call_id"]!.GetValue<string>()).ToList();
        Assert.Equal(["call_sKC7OABqf2A2PTLCm0CLeRWV", "call_OdR3s3xop0vtgkDyWRMLafuH"], calls);
        var firstId = first[^1]["response"]!["id"]!.GetValue<string>();
        await SendAsync(socket, $$"""{"type":"response.create","model":"openai-model","store":false,"previous_response_id":"{{firstId}}","input":[{"type":"function_call_output","call_id":"{{calls[0]}}","output":"s1"},{"type":"function_call_output","call_id":"{{calls[1]}}","output":"s2"}],"tools":[]}""");
        await ReceiveResponseAsync(socket);

        var body = JsonNode.Parse(_upstream.Requests.Last().Body)!.AsObject();
        Assert.False(body.ContainsKey("previous_response_id"));
        Assert.Equal(
            ["user:", "function_call:call_sKC7OABqf2A2PTLCm0CLeRWV", "function_call:call_OdR3s3xop0vtgkDyWRMLafuH", "function_call_output:call_sKC7OABqf2A2PTLCm0CLeRWV", "function_call_output:call_OdR3s3xop0vtgkDyWRMLafuH"],
            body["input"]!.AsArray().Select(static i => (i!["type"]?.GetValue<string>() ?? i["role"]!.GetValue<string>()) + ":" + i["call_id"]?.GetValue<string>()));
        var logs = await _gateway.WaitForLogsAsync(2);
        Assert.All(logs, static l => Assert.Equal(90, l.Quota));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task UpstreamCutMidStream_GetsAnErrorEventWithStatus502_AndWhatWasSentIsBilled()
    {
        // The upstream breaks its connection once the client has the first events (so the gateway had its headers).
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.Handler = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(
                "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_cut\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[]}}\n\n" +
                "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hello\"}\n\n");
            await context.Response.Body.FlushAsync();
            await delivered.Task;
            context.Abort();
        };
        using var socket = await ConnectAsync();

        await SendAsync(socket, """{"type":"response.create","model":"openai-model","input":"Hi"}""");
        List<JsonNode> events = [await ReceiveAsync(socket), await ReceiveAsync(socket)];
        delivered.SetResult();
        events.AddRange(await ReceiveResponseAsync(socket));

        Assert.Equal(["response.created", "response.output_text.delta", "error"], events.Select(Type));
        Assert.Equal(502, events[^1]["status"]!.GetValue<int>());
        Assert.Equal("upstream_interrupted", events[^1]["error"]!["code"]!.GetValue<string>());
        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal(502, log.StatusCode);
        Assert.True(log.Quota > 0);
        Assert.Equal(Quota - log.Quota, await QuotaLedgerTests.RemainAsync(_gateway));

        // The socket still serves the next response.
        _upstream.Handler = FamilyUpstream.Handler;
        await SendAsync(socket, """{"type":"response.create","model":"openai-model","input":"Hi"}""");
        Assert.Equal(FamilyUpstream.Text, Text(await ReceiveResponseAsync(socket)));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task Warmup_WithGenerateFalse_ReachesNoUpstream_AndTheNextResponseChainsFromIt()
    {
        using var socket = await ConnectAsync();

        await SendAsync(socket, """{"type":"response.create","model":"gemini-model","generate":false,"input":[{"role":"user","content":"Remember 42."}]}""");
        var warmup = await ReceiveResponseAsync(socket);
        Assert.Equal(["response.created", "response.completed"], warmup.Select(Type));
        Assert.Empty(_upstream.Requests);

        var id = warmup[^1]["response"]!["id"]!.GetValue<string>();
        await SendAsync(socket, $$"""{"type":"response.create","model":"gemini-model","previous_response_id":"{{id}}","input":[{"role":"user","content":"Which number?"}]}""");
        var answer = await ReceiveResponseAsync(socket);

        Assert.Equal(FamilyUpstream.Text, Text(answer));
        var contents = JsonNode.Parse(Assert.Single(_upstream.Requests).Body)!["contents"]!.ToJsonString();
        Assert.Contains("Remember 42.", contents, StringComparison.Ordinal);
        Assert.Contains("Which number?", contents, StringComparison.Ordinal);
        Assert.Single(await _gateway.WaitForLogsAsync(1));
        await CloseAsync(socket);
    }

    [Theory]
    [InlineData("not json", "invalid_json", null)]
    [InlineData("""{"type":"response.create","input":"Hi"}""", null, "model")]
    [InlineData("""{"type":"response.create","model":"openai-model"}""", null, "input")]
    [InlineData("""{"type":"response.create","model":"openai-model","input":"Hi","max_output_tokens":"lots"}""", null, "max_tokens")]
    [InlineData("""{"type":1,"model":"openai-model","input":"Hi"}""", "invalid_json", null)]
    [InlineData("""{"type":"session.update","model":"openai-model"}""", "unsupported_event_type", "type")]
    public async Task BadMessage_GetsAnErrorEventInTheResponsesShape_ReachesNoUpstream_AndTheSocketStaysUsable(string message, string? code, string? param)
    {
        using var socket = await ConnectAsync();

        await SendAsync(socket, message);
        var error = await ReceiveAsync(socket);

        Assert.Equal("error", Type(error));
        Assert.Equal(400, error["status"]!.GetValue<int>());
        Assert.Equal("invalid_request_error", error["error"]!["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["error"]!["message"]!.GetValue<string>()));
        Assert.Equal(code, error["error"]!["code"]?.GetValue<string>());
        Assert.Equal(param, error["error"]!["param"]?.GetValue<string>());
        Assert.Empty(_upstream.Requests);

        await SendAsync(socket, """{"type":"response.create","model":"openai-model","input":"Hi"}""");
        Assert.Equal(FamilyUpstream.Text, Text(await ReceiveResponseAsync(socket)));
        Assert.Single(_upstream.Requests);
        await CloseAsync(socket);
    }

    [Fact]
    public async Task ResponseProcessed_IsAcknowledgedSilently()
    {
        // Codex acknowledges each response it handled; the socket answers nothing to it.
        using var socket = await ConnectAsync();

        await SendAsync(socket, """{"type":"response.processed","response_id":"resp_1"}""");
        await SendAsync(socket, """{"type":"response.create","model":"openai-model","input":"Hi"}""");

        Assert.Equal("response.created", Type(await ReceiveAsync(socket)));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task RefusedCall_GetsAnErrorEventWithItsStatus_AndNothingIsCharged()
    {
        using var socket = await ConnectAsync();

        await SendAsync(socket, """{"type":"response.create","model":"no-such-model","input":"Hi"}""");
        var error = await ReceiveAsync(socket);

        Assert.Equal("error", Type(error));
        Assert.Equal(404, error["status"]!.GetValue<int>());
        Assert.Equal("model_not_found", error["error"]!["code"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal(404, log.StatusCode);
        Assert.Equal(0, log.Quota);
        Assert.Equal(Quota, await QuotaLedgerTests.RemainAsync(_gateway));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task KeyDisabledWhileTheSocketIsOpen_GetsItsErrorEventAtTheNextMessage_AndTheSocketIsClosed()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, """{"type":"response.create","model":"openai-model","input":"Hi"}""");
        await ReceiveResponseAsync(socket);
        using (var scope = _gateway.Services.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<ITokenStore>();
            var token = (await store.FindByKeyHashAsync(LlmRelay.Tokens.ApiKeys.Hash(Settings.Key), Ct))!;
            token.Status = TokenStatus.Disabled;
            await store.UpdateAsync(token, Ct);
            _gateway.Services.GetRequiredService<TokenCache>().Clear();
        }

        await SendAsync(socket, """{"type":"response.create","model":"openai-model","input":"Hi"}""");
        var error = await ReceiveAsync(socket);

        Assert.Equal("error", Type(error));
        Assert.Equal(401, error["status"]!.GetValue<int>());
        Assert.Equal("api_key_disabled", error["error"]!["code"]!.GetValue<string>());
        var result = await socket.ReceiveAsync(new byte[16].AsMemory(), Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Single(_upstream.Requests);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sk-wrong-0123456789abcdefghijklmnop")]
    public async Task AuthFailure_RefusesTheUpgrade_WithTheHttpRoutesStatus(string? key)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (key is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        }

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(SocketUri(), Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task PlainGet_AnswersUpgradeRequired_InTheOpenAIErrorShape()
    {
        // 426 is what Codex takes as "use HTTP" at once, should anything reach the route without an upgrade.
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.GetAsync("/v1/responses", Ct);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("websocket", response.Headers.Upgrade.ToString());
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
    }

    private Uri SocketUri() => new UriBuilder(_gateway.BaseAddress) { Scheme = "ws", Path = "/v1/responses" }.Uri;

    private async Task<ClientWebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Settings.Key);
        socket.Options.SetRequestHeader("OpenAI-Beta", "responses_websockets=2026-02-06");
        await socket.ConnectAsync(SocketUri(), Ct);
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, Ct);

    private static async Task<JsonNode> ReceiveAsync(ClientWebSocket socket)
    {
        using var message = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonNode.Parse(message.ToArray())!;
            }
        }
    }

    /// <summary>Receives one response's events, up to and including its terminal event (or an error event).</summary>
    private static async Task<List<JsonNode>> ReceiveResponseAsync(ClientWebSocket socket)
    {
        var events = new List<JsonNode>();
        while (true)
        {
            var e = await ReceiveAsync(socket);
            events.Add(e);
            if (Type(e) is "response.completed" or "response.incomplete" or "response.failed" or "error")
            {
                return events;
            }
        }
    }

    private static async Task CloseAsync(ClientWebSocket socket)
    {
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    private static string? Type(JsonNode e) => e["type"]?.GetValue<string>();

    private static string Text(IEnumerable<JsonNode> events) =>
        string.Concat(events.Where(static e => Type(e) == "response.output_text.delta").Select(static e => e["delta"]!.GetValue<string>()));
}
