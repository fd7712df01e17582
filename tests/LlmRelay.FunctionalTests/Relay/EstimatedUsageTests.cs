using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.Client;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Tokenization;
using LlmRelay.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// Answers that carry no usage are still billed: the prompt counted from the request, the completion from the answer
/// (non-stream) or the chunks delivered (stream), marked "estimated"; counting never fails the settlement. The HTTP
/// relay and RelayChatClient bill the same call the same.
/// </summary>
public sealed class EstimatedUsageTests
{
    private const string Answer = "The answer to that question is forty-two, as everyone knows.";

    private const string OpenAIJson = """{"id":"chatcmpl-1","object":"chat.completion","created":1766084435,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"The answer to that question is forty-two, as everyone knows."},"finish_reason":"stop"}]}""";

    private const string AnthropicJson = """{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{"type":"text","text":"The answer to that question is forty-two, as everyone knows."}],"stop_reason":"end_turn","stop_sequence":null}""";

    private const string GeminiJson = """{"candidates": [{"content": {"parts": [{"text": "The answer to that question is forty-two, as everyone knows."}],"role": "model"},"finishReason": "STOP","index": 0}],"modelVersion": "gemini-2.5-flash","responseId": "r1"}""";

    // Four content chunks, no usage chunk.
    private const string OpenAIStream =
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"The answer\"},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" is\"},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" forty\"},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1766084435,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"-two.\"},\"finish_reason\":\"stop\"}]}\n\n" +
        "data: [DONE]\n\n";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("anthropic", "anthropic")]
    [InlineData("gemini", "gemini")]
    [InlineData("anthropic", "openai")] // converted
    [InlineData("openai", "anthropic")] // converted
    [InlineData("gemini", "openai")] // converted
    public async Task NonStreamAnswerWithoutUsage_IsBilledFromTheRequestAndTheAnswerText_MarkedEstimated(string caller, string channel)
    {
        var answer = channel switch { "anthropic" => AnthropicJson, "gemini" => GeminiJson, _ => OpenAIJson };
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(answer));
        await using var gateway = StartGateway(upstream, channel);
        using var client = gateway.CreateGatewayClient(null);

        using var response = await client.SendAsync(CallerRequest.Build(caller, "m", stream: false, Settings.Key), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Contains("forty-two", text, StringComparison.Ordinal);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(UsageLogType.Consume, log.Type);
        var counter = gateway.Services.GetRequiredService<ITokenCounter>();
        Assert.Equal(counter.CountCompletionText("upstream-model", Answer), log.CompletionTokens);
        Assert.Equal(counter.CountRequest("upstream-model", Assert.Single(upstream.Requests).Body), log.PromptTokens);
        Assert.True(log.PromptTokens > 0);
        Assert.Equal(log.PromptTokens + log.CompletionTokens, log.Quota); // Flat price: one quota per token.
        Assert.Contains("\"usage\":\"estimated\"", log.Other.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamRequest_PromptWithInvalidUtf8_IsRefusedBeforeTheUpstream_AndNotCharged()
    {
        // Issue #13 item 9 first showed this as a stream billed 0 because the token counter threw after it; item 15 now
        // refuses such a body before anything is sent (RelayMeteringEstimateTests keeps "counting never fails a settlement").
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Sse(OpenAIStream));
        await using var gateway = StartGateway(upstream, "openai");
        using var client = gateway.CreateGatewayClient(Settings.Key);

        // A prompt string holding bytes that are not UTF-8 (0xFF, a lone continuation byte, a truncated sequence).
        var body = new List<byte>(Encoding.UTF8.GetBytes("""{"model":"m","stream":true,"messages":[{"role":"user","content":"tell me """));
        body.AddRange([0xFF, 0x80, 0xE2, 0x82]);
        body.AddRange(Encoding.UTF8.GetBytes(""" about it, please"}]}"""));
        using var content = new ByteArrayContent([.. body]);
        content.Headers.ContentType = new("application/json");

        using var response = await client.PostAsync("/v1/chat/completions", content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"error\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
        var rows = await gateway.WaitForLogsAsync(0);
        Assert.All(rows, static row => Assert.Equal(0, row.Quota));
    }

    [Fact]
    public async Task StreamWithoutUsage_RelayChatClient_IsBilledLikeTheHttpRelay()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Sse(OpenAIStream));
        await using var gateway = StartGateway(upstream, "openai");
        using var http = gateway.CreateGatewayClient(Settings.Key);

        using (var response = await http.PostAsync(
            "/v1/chat/completions",
            new StringContent("""{"model":"m","stream":true,"messages":[{"role":"user","content":"What is the answer?"}]}""", Encoding.UTF8, "application/json"),
            Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("forty", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        var viaHttp = Assert.Single(await gateway.WaitForLogsAsync(1));

        var client = gateway.Services.GetRelayChatClient(Settings.Key);
        var streamed = new StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "What is the answer?")], new ChatOptions { ModelId = "m" }, Ct))
        {
            streamed.Append(update.Text);
        }

        Assert.Equal("The answer is forty-two.", streamed.ToString());
        var viaClient = (await gateway.WaitForLogsAsync(2)).MaxBy(static l => l.Id)!;
        Assert.NotEqual(viaHttp.Id, viaClient.Id);
        Assert.True(viaHttp.Quota > 0);
        Assert.Equal((viaHttp.PromptTokens, viaHttp.CompletionTokens, viaHttp.Quota), (viaClient.PromptTokens, viaClient.CompletionTokens, viaClient.Quota));
        Assert.Contains("\"usage\":\"estimated\"", viaClient.Other.ToJson(), StringComparison.Ordinal);
        Assert.Equal(UsageLogType.Consume, viaClient.Type);
    }

    [Fact]
    public async Task NonStreamWithoutUsage_RelayChatClient_IsBilledLikeTheHttpRelay()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OpenAIJson));
        await using var gateway = StartGateway(upstream, "openai");
        using var http = gateway.CreateGatewayClient(Settings.Key);

        using (var response = await http.PostAsync(
            "/v1/chat/completions",
            new StringContent("""{"model":"m","messages":[{"role":"user","content":"What is the answer?"}]}""", Encoding.UTF8, "application/json"),
            Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var viaHttp = Assert.Single(await gateway.WaitForLogsAsync(1));

        var answer = await gateway.Services.GetRelayChatClient(Settings.Key).GetResponseAsync([new ChatMessage(ChatRole.User, "What is the answer?")], new ChatOptions { ModelId = "m" }, Ct);

        Assert.Equal(Answer, answer.Text);
        var viaClient = (await gateway.WaitForLogsAsync(2)).MaxBy(static l => l.Id)!;
        Assert.True(viaHttp.Quota > 0);
        Assert.Equal((viaHttp.PromptTokens, viaHttp.CompletionTokens, viaHttp.Quota), (viaClient.PromptTokens, viaClient.CompletionTokens, viaClient.Quota));
        Assert.Contains("\"usage\":\"estimated\"", viaClient.Other.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswersWithoutUsage_LogApiOtherIsOneJsonText_WithTheFlagAndThePricing_AndTheStatusPageSaysEstimated()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OpenAIJson));
        await using var harness = await Management.ManagementHarness.StartAsync(
            new()
            {
                ["LlmRelay:Pricing:Models:gpt-4o:ModelRatio"] = "2.5",
                ["LlmRelay:Pricing:Models:gpt-4o:CompletionRatio"] = "4",
                ["LlmRelay:Pricing:Models:gpt-4o:CacheReadRatio"] = "0.5",
                ["LlmRelay:Pricing:Models:priced-model:FixedPrice"] = "0.04",
            },
            userQuota: 100_000_000);
        var channel = await harness.Admin.SendAsync(HttpMethod.Post, "/api/channel/", rawBody: $$$"""
            {"mode":"single","channel":{"name":"no-usage","type":"openai","base_url":"{{{upstream.BaseUrl}}}","key":"{{{Settings.UpstreamKey}}}","models":"gpt-4o,priced-model","group":"default"}}
            """);
        Assert.True(channel.Success, channel.Text);
        var token = await harness.Admin.SendAsync(HttpMethod.Post, "/api/token/", new { name = "k", unlimited_quota = true });
        Assert.True(token.Success, token.Text);
        using var http = harness.Gateway.CreateGatewayClient(token.Data!["key"]!.GetValue<string>());
        foreach (var model in (string[])["gpt-4o", "priced-model"])
        {
            using var response = await http.PostAsync("/v1/chat/completions", new StringContent($$$"""{"model":"{{{model}}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var rows = await harness.Gateway.WaitForLogsAsync(2);
        var page = await harness.Admin.SendAsync(HttpMethod.Get, "/api/log/?p=1&page_size=10");
        Assert.True(page.Success, page.Text);
        var items = page.Data!["items"]!.AsArray();
        JsonNode Other(string model)
        {
            var other = items.Single(i => i!["model_name"]!.GetValue<string>() == model)!["other"]!;
            Assert.Equal(JsonValueKind.String, other.GetValueKind()); // a JSON text in a string, as in new-api's log rows
            var text = other.GetValue<string>();
            Assert.Equal(rows.Single(r => r.ModelName == model).Other.ToJson(), text);
            return JsonNode.Parse(text)!;
        }

        var ratio = Other("gpt-4o");
        Assert.Equal("estimated", ratio["usage"]!.GetValue<string>());
        Assert.Equal((2.5, 4.0, 0.5, 1.0), (ratio["model_ratio"]!.GetValue<double>(), ratio["completion_ratio"]!.GetValue<double>(), ratio["cache_ratio"]!.GetValue<double>(), ratio["group_ratio"]!.GetValue<double>()));
        Assert.Equal(0, ratio["cached_tokens"]!.GetValue<long>());
        Assert.True(ratio["first_byte_ms"]!.GetValue<int>() >= 0);
        Assert.Null(ratio["model_price"]);

        var fixedPrice = Other("priced-model");
        Assert.Equal(
            ["model_price", "group_ratio", "first_byte_ms", "usage"],
            fixedPrice.AsObject().Select(static p => p.Key));
        Assert.Equal((0.04, 1.0, "estimated"), (fixedPrice["model_price"]!.GetValue<double>(), fixedPrice["group_ratio"]!.GetValue<double>(), fixedPrice["usage"]!.GetValue<string>()));

        // The status page counts these rows as estimated (it looked for text the relay never wrote before the typed value).
        using var status = await harness.Anonymous.Http.GetAsync(new Uri("/status", UriKind.Relative), Ct);
        var html = await status.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Matches(@"<td>gpt-4o</td>(<td>[^<]*</td>){4}<td>Estimated</td>", html);
    }

    private static GatewayFactory StartGateway(MockUpstream upstream, string channelType)
    {
        var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.FlatPrice("m"),
            Settings.Channel(0, upstream.BaseUrl, ["m"], type: channelType, mapping: new() { ["m"] = "upstream-model" })));
        gateway.Start();
        return gateway;
    }
}
