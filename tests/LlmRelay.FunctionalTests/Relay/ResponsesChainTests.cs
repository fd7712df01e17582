using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// <c>previous_response_id</c> chains on every channel type and <c>POST /v1/responses/compact</c> (issue #16): the gateway keeps
/// each answered turn (scoped to its key) and expands a chain into the whole history for a channel that does not hold it.
/// Real Kestrel, mock upstreams of every family on loopback.
/// </summary>
public sealed class ResponsesChainTests : IAsyncLifetime
{
    private const long Quota = 1_000_000;
    private const string OtherKey = "sk-other-0123456789abcdefghijklmnop";

    private readonly CountingUpstream _answers = new();
    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(_answers.HandleAsync);
        _gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: Quota),
            Settings.Token(OtherKey, "other-token", index: 1),
            Settings.FlatPrice("openai-model", "anthropic-model", "gemini-model", "mixed-model"),
            Settings.Channel(0, _upstream.BaseUrl, ["openai-model", "mixed-model"], name: "oa", type: "openai", priority: 10, mapping: new() { ["openai-model"] = "gpt-4o", ["mixed-model"] = "gpt-4o" }),
            Settings.Channel(1, _upstream.BaseUrl, ["anthropic-model", "mixed-model"], name: "an", type: "anthropic", mapping: new() { ["anthropic-model"] = "claude-sonnet-4-20250514", ["mixed-model"] = "claude-sonnet-4-20250514" }),
            Settings.Channel(2, _upstream.BaseUrl, ["gemini-model"], name: "ge", type: "gemini", mapping: new() { ["gemini-model"] = "gemini-2.5-flash" })));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task ThreeTurnChain_OnAnAnthropicChannel_SendsTheWholeHistoryInAnthropicShape_AndBillsEachTurn()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        var first = await PostAsync(client, """{"model":"anthropic-model","instructions":"Be brief.","input":"First question"}""");
        var firstId = first["id"]!.GetValue<string>();
        // The second turn streams: its output is kept from the events the caller got.
        var secondId = await StreamAsync(client, $$"""{"model":"anthropic-model","stream":true,"previous_response_id":"{{firstId}}","input":[{"role":"user","content":"Second question"}]}""");
        var third = await PostAsync(client, $$"""{"model":"anthropic-model","previous_response_id":"{{secondId}}","input":"Third question"}""");

        Assert.Equal("anthropic answer 3", OutputText(third));
        var requests = _upstream.Requests.ToArray();
        Assert.Equal(3, requests.Length);
        Assert.All(requests, static r => Assert.Equal("/v1/messages", r.PathAndQuery));
        var body = JsonNode.Parse(requests[2].Body)!;
        var messages = body["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user", "assistant", "user"], messages.Select(static m => m!["role"]!.GetValue<string>()));
        Assert.Equal(["First question", "anthropic answer 1", "Second question", "anthropic answer 2", "Third question"], messages.Select(static m => TextOf(m!["content"]!)));
        // Instructions of an earlier turn are not carried over (OpenAI's rule): only the turn's own.
        Assert.Null(body["system"]);
        Assert.Equal("Be brief.", TextOf(JsonNode.Parse(requests[0].Body)!["system"]!));

        var logs = await _gateway.WaitForLogsAsync(3);
        Assert.All(logs, static l => Assert.Equal(16, l.Quota));
        Assert.Equal(Quota - 48, await QuotaLedgerTests.RemainAsync(_gateway));
    }

    [Fact]
    public async Task Chain_OnAGeminiChannel_SendsTheHistoryInGeminiShape()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        var firstId = await StreamAsync(client, """{"model":"gemini-model","stream":true,"input":[{"role":"user","content":"Remember 42."}]}""");
        var second = await PostAsync(client, $$"""{"model":"gemini-model","previous_response_id":"{{firstId}}","input":"Which number?"}""");

        Assert.Equal("gemini answer 2", OutputText(second));
        var contents = JsonNode.Parse(_upstream.Requests.Last().Body)!["contents"]!.AsArray();
        Assert.Equal(["user", "model", "user"], contents.Select(static c => c!["role"]!.GetValue<string>()));
        Assert.Equal(["Remember 42.", "gemini answer 1", "Which number?"], contents.Select(static c => c!["parts"]![0]!["text"]!.GetValue<string>()));
        Assert.Equal(2, (await _gateway.WaitForLogsAsync(2)).Count);
    }

    [Fact]
    public async Task WebSocketTurn_IsContinuedOverHttp_OnAnotherChannelType()
    {
        using (var socket = new ClientWebSocket())
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + Settings.Key);
            await socket.ConnectAsync(new UriBuilder(_gateway.BaseAddress) { Scheme = "ws", Path = "/v1/responses" }.Uri, Ct);
            await socket.SendAsync(Encoding.UTF8.GetBytes("""{"type":"response.create","model":"gemini-model","input":"From the socket"}"""), WebSocketMessageType.Text, true, Ct);
            string? id = null;
            while (id is null)
            {
                var e = await ReceiveAsync(socket);
                if (e["type"]!.GetValue<string>() == "response.completed")
                {
                    id = e["response"]!["id"]!.GetValue<string>();
                }
            }

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Ct);
            using var client = _gateway.CreateGatewayClient(Settings.Key);
            await PostAsync(client, $$"""{"model":"anthropic-model","previous_response_id":"{{id}}","input":"Over HTTP"}""");
        }

        var messages = JsonNode.Parse(_upstream.Requests.Last().Body)!["messages"]!.AsArray();
        Assert.Equal(["From the socket", "gemini answer 1", "Over HTTP"], messages.Select(static m => TextOf(m!["content"]!)));
    }

    [Fact]
    public async Task PreviousResponseId_OfAnotherKey_OrUnknown_Is400PreviousResponseNotFound_AndReachesNoUpstream()
    {
        using var owner = _gateway.CreateGatewayClient(Settings.Key);
        using var other = _gateway.CreateGatewayClient(OtherKey);
        var id = (await PostAsync(owner, """{"model":"anthropic-model","input":"Secret plan"}"""))["id"]!.GetValue<string>();

        foreach (var (client, previous, path) in new[] { (other, id, "/v1/responses"), (owner, "resp_nope", "/v1/responses"), (other, id, "/v1/responses/compact") })
        {
            using var response = await client.PostAsync(path, Json($$"""{"model":"anthropic-model","previous_response_id":"{{previous}}","input":"Tell me"}"""), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = JsonNode.Parse(text)!["error"]!;
            Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
            Assert.Equal("previous_response_not_found", error["code"]!.GetValue<string>());
            Assert.Equal("previous_response_id", error["param"]!.GetValue<string>());
            Assert.DoesNotContain("Secret plan", text, StringComparison.Ordinal);
        }

        // Nor can the other key read it.
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/v1/responses/" + id, Ct)).StatusCode);
        Assert.Single(_upstream.Requests);
        Assert.Single(await _gateway.WaitForLogsAsync(1));
    }

    [Fact]
    public async Task Chain_PassesTheIdToTheOpenAIChannelHoldingIt_AndIsExpandedWhenItFailsOverToAnthropic()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        var firstId = (await PostAsync(client, """{"model":"mixed-model","input":"Plan the trip"}"""))["id"]!.GetValue<string>();
        var secondId = (await PostAsync(client, $$"""{"model":"mixed-model","previous_response_id":"{{firstId}}","input":"Add a day"}"""))["id"]!.GetValue<string>();
        var held = JsonNode.Parse(_upstream.Requests.Last().Body)!.AsObject();
        Assert.Equal("/v1/responses", _upstream.Requests.Last().PathAndQuery);
        // OpenAI stored the first response (store not false): the id goes through as the caller sent it.
        Assert.Equal(firstId, held["previous_response_id"]!.GetValue<string>());
        Assert.Equal("Add a day", held["input"]!.GetValue<string>());

        _answers.FailOpenAI = true;
        var third = await PostAsync(client, $$"""{"model":"mixed-model","previous_response_id":"{{secondId}}","input":"Book it"}""");

        Assert.Equal("anthropic answer 1", OutputText(third));
        var sent = _upstream.Requests.Last();
        Assert.Equal("/v1/messages", sent.PathAndQuery);
        var messages = JsonNode.Parse(sent.Body)!["messages"]!.AsArray();
        Assert.Equal(["Plan the trip", "openai answer 1", "Add a day", "openai answer 2", "Book it"], messages.Select(static m => TextOf(m!["content"]!)));
        var logs = await _gateway.WaitForLogsAsync(3);
        Assert.All(logs, static l => Assert.Equal(16, l.Quota));
    }

    [Fact]
    public async Task Compact_OnAnOpenAIChannel_PassesTheBodyThrough_AndBillsTheUpstreamUsage()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);
        const string Body = """{"model":"openai-model","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"Fix the bug"}]}],"instructions":"You are Codex.","tools":[],"parallel_tool_calls":false}""";

        using var response = await client.PostAsync("/v1/responses/compact", Json(Body), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CountingUpstream.CompactJson, text);
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/responses/compact", sent.PathAndQuery);
        Assert.Equal(Body.Replace("\"openai-model\"", "\"gpt-4o\"", StringComparison.Ordinal), sent.BodyText);
        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal(200, log.StatusCode);
        Assert.Equal(100, log.PromptTokens);
        Assert.Equal(20, log.CompletionTokens);
        Assert.Equal(120, log.Quota);
        Assert.Equal(Quota - 120, await QuotaLedgerTests.RemainAsync(_gateway));
    }

    [Fact]
    public async Task Compact_OnAnAnthropicChannel_RunsOneSummaryTurn_AndAnswersInTheCompactShape()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);
        const string Body = """
            {"model":"anthropic-model","instructions":"You are Codex.","input":[
              {"type":"message","role":"user","content":[{"type":"input_text","text":"Fix the bug"}]},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Looking at it."}]},
              {"type":"message","role":"user","content":[{"type":"input_text","text":"Go on"}]}
            ],"tools":[],"parallel_tool_calls":false}
            """;

        using var response = await client.PostAsync("/v1/responses/compact", Json(Body), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var sent = Assert.Single(_upstream.Requests);
        Assert.Equal("/v1/messages", sent.PathAndQuery);
        var upstream = JsonNode.Parse(sent.Body)!;
        Assert.NotEqual(true, upstream["stream"]?.GetValue<bool>());
        Assert.Equal("You are Codex.", TextOf(upstream["system"]!));
        var messages = upstream["messages"]!.AsArray();
        // The whole conversation, then the summarisation request as one more user message.
        Assert.Equal(["user", "assistant", "user", "user"], messages.Select(static m => m!["role"]!.GetValue<string>()));
        Assert.Equal("Go on", TextOf(messages[2]!["content"]!));
        Assert.Contains("handoff summary", TextOf(messages[3]!["content"]!), StringComparison.OrdinalIgnoreCase);

        var answer = JsonNode.Parse(text)!;
        Assert.Equal("response.compaction", answer["object"]!.GetValue<string>());
        Assert.StartsWith("cmp_", answer["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(answer["created_at"]!.GetValue<long>() > 0);
        var output = answer["output"]!.AsArray();
        Assert.All(output, static i => Assert.Equal("user", i!["role"]!.GetValue<string>()));
        Assert.All(output, static i => Assert.Equal("message", i!["type"]!.GetValue<string>()));
        Assert.Equal(3, output.Count);
        Assert.Equal("Fix the bug", output[0]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("Go on", output[1]!["content"]![0]!["text"]!.GetValue<string>());
        var summary = output[2]!["content"]![0]!;
        Assert.Equal("input_text", summary["type"]!.GetValue<string>());
        Assert.EndsWith("\nanthropic answer 1", summary["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(12, answer["usage"]!["input_tokens"]!.GetValue<long>());
        Assert.Equal(4, answer["usage"]!["output_tokens"]!.GetValue<long>());

        var log = Assert.Single(await _gateway.WaitForLogsAsync(1));
        Assert.Equal(200, log.StatusCode);
        Assert.Equal(16, log.Quota);
        Assert.Equal(Quota - 16, await QuotaLedgerTests.RemainAsync(_gateway));
    }

    [Fact]
    public async Task Compact_ContinuesAChain_OnAnAnthropicChannel()
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);
        var id = (await PostAsync(client, """{"model":"anthropic-model","input":"Write a parser"}"""))["id"]!.GetValue<string>();

        using var response = await client.PostAsync("/v1/responses/compact", Json($$"""{"model":"anthropic-model","previous_response_id":"{{id}}","input":"Now tests"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var messages = JsonNode.Parse(_upstream.Requests.Last().Body)!["messages"]!.AsArray();
        Assert.Equal(["Write a parser", "anthropic answer 1", "Now tests"], messages.Take(3).Select(static m => TextOf(m!["content"]!)));
        Assert.Equal(4, messages.Count);
        var output = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["output"]!.AsArray();
        Assert.Equal(["Write a parser", "Now tests"], output.Take(2).Select(static i => TextOf(i!["content"]!)));
    }

    [Theory]
    [InlineData("not json", "invalid_json", null)]
    [InlineData("""{"input":"x"}""", null, "model")]
    [InlineData("""{"model":"anthropic-model","input":5}""", null, "input")]
    [InlineData("""{"model":"openai-model","input":"x","previous_response_id":7}""", null, "previous_response_id")]
    public async Task Compact_BadInput_Is400InOpenAIShape_AndReachesNoUpstream(string body, string? code, string? param)
    {
        using var client = _gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/responses/compact", Json(body), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!;
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(code, error["code"]?.GetValue<string>());
        Assert.Equal(param, error["param"]?.GetValue<string>());
        Assert.Empty(_upstream.Requests);
        Assert.Equal(Quota, await QuotaLedgerTests.RemainAsync(_gateway));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> PostAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/v1/responses", Json(body), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    // Streams a /v1/responses call and returns the id of its response.completed event.
    private static async Task<string> StreamAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/v1/responses", Json(body), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var completed = text.Split('\n').Where(static l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(static l => JsonNode.Parse(l[6..])!)
            .Single(static e => e["type"]?.GetValue<string>() == "response.completed");
        return completed["response"]!["id"]!.GetValue<string>();
    }

    private static async Task<JsonNode> ReceiveAsync(ClientWebSocket socket)
    {
        using var message = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonNode.Parse(message.ToArray())!;
            }
        }
    }

    private static string OutputText(JsonNode response) =>
        string.Concat(response["output"]!.AsArray().Where(static i => i!["type"]?.GetValue<string>() == "message").Select(static i => TextOf(i!["content"]!)));

    // A content value as text: a string, or the text of its parts.
    private static string TextOf(JsonNode content) => content is JsonValue
        ? content.GetValue<string>()
        : string.Concat(content.AsArray().Select(static p => p!["text"]?.GetValue<string>()));

    /// <summary>Answers each family with a numbered text ("anthropic answer 2") and a unique id, so a chain's turns can be told apart.</summary>
    private sealed class CountingUpstream
    {
        public const string CompactJson = """{"id":"cmp_1","object":"response.compaction","created_at":1766084435,"output":[{"type":"message","role":"user","content":[{"type":"input_text","text":"Fix the bug"}]},{"type":"compaction","encrypted_content":"gAAA"}],"usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":0},"output_tokens":20,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":120}}""";

        private int _openai;
        private int _anthropic;
        private int _gemini;

        public bool FailOpenAI { get; set; }

        public async Task HandleAsync(HttpContext context, RecordedRequest request)
        {
            var path = context.Request.Path.Value ?? "";
            var body = request.Body.Length > 0 ? JsonNode.Parse(request.Body) : null;
            var stream = body?["stream"]?.GetValue<bool>() == true || path.Contains(":streamGenerateContent", StringComparison.Ordinal);
            string answer;
            if (path.EndsWith("/responses/compact", StringComparison.Ordinal))
            {
                answer = CompactJson;
            }
            else if (path.EndsWith("/responses", StringComparison.Ordinal))
            {
                if (FailOpenAI)
                {
                    context.Response.StatusCode = 503;
                    await context.Response.WriteAsync("""{"error":{"message":"overloaded","type":"server_error"}}""");
                    return;
                }

                var n = Interlocked.Increment(ref _openai).ToString(CultureInfo.InvariantCulture);
                answer = $$$"""{"id":"resp_oa_{{{n}}}","object":"response","created_at":1766084435,"status":"completed","model":"gpt-4o","output":[{"id":"msg_oa_{{{n}}}","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"openai answer {{{n}}}","annotations":[]}]}],"usage":{"input_tokens":12,"output_tokens":4,"total_tokens":16}}""";
            }
            else if (path.EndsWith("/messages", StringComparison.Ordinal))
            {
                var n = Interlocked.Increment(ref _anthropic).ToString(CultureInfo.InvariantCulture);
                answer = stream
                    ? "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_an_" + n + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n" +
                      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
                      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"anthropic answer " + n + "\"}}\n\n" +
                      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
                      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"input_tokens\":12,\"output_tokens\":4}}\n\n" +
                      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
                    : $$$"""{"id":"msg_an_{{{n}}}","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{"type":"text","text":"anthropic answer {{{n}}}"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":4}}""";
            }
            else
            {
                var n = Interlocked.Increment(ref _gemini).ToString(CultureInfo.InvariantCulture);
                var chunk = $$$"""{"candidates":[{"content":{"parts":[{"text":"gemini answer {{{n}}}"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":4,"totalTokenCount":16},"modelVersion":"gemini-2.5-flash","responseId":"ge_{{{n}}}"}""";
                answer = stream ? "data: " + chunk + "\r\n\r\n" : chunk;
            }

            context.Response.ContentType = stream ? "text/event-stream" : "application/json";
            await context.Response.WriteAsync(answer);
        }
    }
}
