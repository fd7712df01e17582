using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

public sealed class ChatCompletionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(MockUpstream Upstream, GatewayFactory Gateway)> StartAsync(
        Func<Microsoft.AspNetCore.Http.HttpContext, RecordedRequest, Task> handler,
        Func<string, Dictionary<string, string?>>? settings = null)
    {
        var upstream = await MockUpstream.StartAsync(handler);
        var gateway = new GatewayFactory(settings?.Invoke(upstream.BaseUrl)
            ?? Settings.Merge(Settings.Token(), Settings.FlatPrice("gpt-4o"), Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])));
        gateway.Start();
        return (upstream, gateway);
    }

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task NonStream_RelaysRequestAndResponseByteForByte_AndLogsUsage()
    {
        var (upstream, gateway) = await StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Encoding.UTF8.GetBytes(WireSamples.ChatResponse), await response.Content.ReadAsByteArrayAsync(Ct));
        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/chat/completions", sent.PathAndQuery);
        Assert.Equal(WireSamples.ChatRequest, sent.BodyText);
        Assert.Equal($"Bearer {Settings.UpstreamKey}", sent.Headers["Authorization"]);

        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(UsageLogType.Consume, log.Type);
        Assert.Equal("test-token", log.TokenName);
        Assert.Equal("gpt-4o", log.ModelName);
        Assert.Equal("channel-0", log.ChannelName);
        Assert.Equal(21, log.PromptTokens);
        Assert.Equal(4, log.CompletionTokens);
        Assert.Equal(25, log.Quota);
        Assert.False(log.IsStream);
        Assert.Equal(200, log.StatusCode);
        Assert.NotNull(log.FirstByteMs);
        Assert.True(log.UseTimeMs >= log.FirstByteMs);
    }

    [Fact]
    public async Task RelayedCall_AnswersWithTheRequestIdOfItsUsageRow()
    {
        var (upstream, gateway) = await StartAsync(MockUpstream.Sse(WireSamples.StreamWithUsage));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        const string Request = """{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""";
        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(Request), Ct);
        await response.Content.ReadAsStringAsync(Ct);

        // The dashboard's playground finds what its call was charged by this header (issue #15).
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.NotEmpty(id);
        Assert.Equal(id, Assert.Single(await gateway.WaitForLogsAsync(1)).RequestId);
    }

    [Fact]
    public async Task DefaultPricing_ChargesTheModelsRatios()
    {
        var (upstream, gateway) = await StartAsync(
            MockUpstream.Json(WireSamples.ChatResponse),
            url => Settings.Merge(Settings.Token(), Settings.Channel(0, url, ["gpt-4o"])));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest), Ct);

        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        var price = gateway.Services.GetRequiredService<LlmRelay.Pricing.ModelPricing>().Resolve("gpt-4o");
        Assert.True(price.ModelRatio > 1, "gpt-4o is in the default table and costs more than ratio 1");
        Assert.Equal(QuotaCalculator.Compute(new LlmRelay.Formats.TokenUsage { InputTokens = 21, OutputTokens = 4 }, price, 1), log.Quota);
        Assert.Contains("\"model_ratio\":", log.Other.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_WithIncludeUsage_IsCopiedByteForByte()
    {
        // Split the upstream body at awkward places: mid-event and inside a multi-byte character.
        var (upstream, gateway) = await StartAsync(MockUpstream.Sse(WireSamples.StreamWithUsage, chunkSize: 37));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);
        const string Request = """{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""";

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(Request), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(WireSamples.StreamWithUsage, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(Request, Assert.Single(upstream.Requests).BodyText);

        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.True(log.IsStream);
        Assert.Equal(16, log.PromptTokens);
        Assert.Equal(10, log.CompletionTokens);
        Assert.Contains("\"cached_tokens\":4", log.Other.ToJson(), StringComparison.Ordinal);
        Assert.NotNull(log.FirstByteMs);
    }

    [Fact]
    public async Task Stream_WithoutIncludeUsage_AsksUpstreamForUsage_AndStripsTheUsageChunk()
    {
        var (upstream, gateway) = await StartAsync(MockUpstream.Sse(WireSamples.StreamWithUsage, chunkSize: 64));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(WireSamples.StreamContent + WireSamples.StreamDone, await response.Content.ReadAsStringAsync(Ct));
        var sent = JsonNode.Parse(Assert.Single(upstream.Requests).Body)!;
        Assert.True(sent["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.Equal("gpt-4o", sent["model"]!.GetValue<string>());

        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(16, log.PromptTokens);
        Assert.Equal(10, log.CompletionTokens);
        Assert.Equal(26, log.Quota);
    }

    [Fact]
    public async Task Stream_WithStreamOptionsButNoIncludeUsage_KeepsOtherOptions()
    {
        var (upstream, gateway) = await StartAsync(MockUpstream.Sse(WireSamples.StreamWithUsage));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody("""{"model":"gpt-4o","stream":true,"stream_options":{"include_obfuscation":false},"messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(WireSamples.StreamContent + WireSamples.StreamDone, await response.Content.ReadAsStringAsync(Ct));
        var options = JsonNode.Parse(Assert.Single(upstream.Requests).Body)!["stream_options"]!;
        Assert.True(options["include_usage"]!.GetValue<bool>());
        Assert.False(options["include_obfuscation"]!.GetValue<bool>());
    }

    [Fact]
    public async Task ModelMapping_SendsTheMappedModel_AndLeavesTheRestOfTheBodyAlone()
    {
        var (upstream, gateway) = await StartAsync(
            MockUpstream.Json(WireSamples.ChatResponse),
            url => Settings.Merge(Settings.Token(), Settings.Channel(0, url, ["gpt-4o"], mapping: new() { ["smart"] = "gpt-4o-2024-08-06" })));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest.Replace("\"gpt-4o\"", "\"smart\"", StringComparison.Ordinal)), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(WireSamples.ChatRequest.Replace("\"gpt-4o\"", "\"gpt-4o-2024-08-06\"", StringComparison.Ordinal), Assert.Single(upstream.Requests).BodyText);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal("smart", log.ModelName);
    }

    [Theory]
    [InlineData("", "/v1/chat/completions")]
    [InlineData("/v1", "/v1/chat/completions")]
    [InlineData("/v1/", "/v1/chat/completions")]
    [InlineData("/openai/v1", "/openai/v1/chat/completions")]
    public async Task BaseUrl_IsAcceptedWithOrWithoutTheVersionSegment(string suffix, string expectedPath)
    {
        var (upstream, gateway) = await StartAsync(
            MockUpstream.Json(WireSamples.ChatResponse),
            url => Settings.Merge(Settings.Token(), Settings.Channel(0, url + suffix, ["gpt-4o"])));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expectedPath, Assert.Single(upstream.Requests).PathAndQuery);
    }

    [Fact]
    public async Task XApiKeyHeader_Authenticates()
    {
        var (upstream, gateway) = await StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(null);
        client.DefaultRequestHeaders.Add("x-api-key", Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(null, "missing_api_key")]
    [InlineData("sk-wrong-key-0000000000000000", "invalid_api_key")]
    public async Task MissingOrUnknownKey_Returns401InOpenAIShape_AndNeverReachesUpstream(string? key, string code)
    {
        var (upstream, gateway) = await StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal(code, error["code"]!.GetValue<string>());
        Assert.Equal("authentication_error", error["type"]!.GetValue<string>());
        if (key is not null)
        {
            Assert.DoesNotContain(key, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        Assert.Empty(upstream.Requests);
    }

    [Theory]
    [InlineData("{not json", null)]
    [InlineData("[]", null)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"gpt-4o"}""", "messages")]
    [InlineData("""{"model":"gpt-4o","messages":[]}""", "messages")]
    [InlineData("""{"model":"gpt-4o","messages":"hi"}""", "messages")]
    [InlineData("""{"model":42,"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"gpt-4o","stream":"yes","messages":[{"role":"user","content":"hi"}]}""", "stream")]
    public async Task BadRequestBody_Returns400_AndNeverReachesUpstream(string body, string? param)
    {
        var (upstream, gateway) = await StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(body), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(param, error["param"]?.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task UnknownModel_Returns404ModelNotFound_AndLogsTheError()
    {
        var (upstream, gateway) = await StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody("""{"model":"nope","messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model_not_found", (await ReadErrorAsync(response))["code"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(UsageLogType.Error, log.Type);
        Assert.Equal(404, log.StatusCode);
        Assert.Equal(0, log.Quota);
    }

    [Fact]
    public async Task ModelWhoseChannelsAreAllDisabled_Returns503()
    {
        var (upstream, gateway) = await StartAsync(
            MockUpstream.Json(WireSamples.ChatResponse),
            url => Settings.Merge(Settings.Token(), Settings.Channel(0, url, ["gpt-4o"], enabled: false)));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Upstream500_Returns502WithTheUpstreamMessage_AndLogsAnError()
    {
        var (upstream, gateway) = await StartAsync(MockUpstream.Json("""{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}""", 500));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Contains("The server had an error while processing your request.", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(UsageLogType.Error, log.Type);
        Assert.Equal(502, log.StatusCode);
        Assert.Equal(0, log.Quota);
    }

    [Fact]
    public async Task Upstream401_Returns502_AndNeverEchoesTheUpstreamKey()
    {
        var echo = $$"""
            {
                "error": {
                    "message": "Incorrect API key provided: {{Settings.UpstreamKey}}. You can find your API key at https://platform.openai.com/account/api-keys.",
                    "type": "invalid_request_error",
                    "param": null,
                    "code": "invalid_api_key"
                }
            }

            """;
        var (upstream, gateway) = await StartAsync(MockUpstream.Json(echo, 401));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain(Settings.UpstreamKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("ABCDEFGHIJ", text, StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided", text, StringComparison.Ordinal);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.DoesNotContain(Settings.UpstreamKey, log.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upstream400_IsTheCallersError_AndIsReturnedAs400WithoutRetry()
    {
        var (upstream, gateway) = await StartAsync(MockUpstream.Json("""{"error":{"message":"Unsupported parameter: 'max_tokens'.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}""", 400));
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal("unsupported_parameter", error["code"]!.GetValue<string>());
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task FailingChannel_FailsOverToTheNextPriority_WithoutRetryingTheFailedOne()
    {
        await using var broken = await MockUpstream.StartAsync(MockUpstream.Json("""{"error":{"message":"overloaded"}}""", 503));
        var (healthy, gateway) = await StartAsync(
            MockUpstream.Json(WireSamples.ChatResponse),
            url => Settings.Merge(
                Settings.Token(),
                Settings.Channel(0, broken.BaseUrl, ["gpt-4o"], name: "primary", priority: 10),
                Settings.Channel(1, url, ["gpt-4o"], name: "backup", priority: 0)));
        await using var _ = healthy;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", JsonBody(WireSamples.ChatRequest), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(broken.Requests);
        Assert.Single(healthy.Requests);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal("backup", log.ChannelName);
    }

    [Fact]
    public async Task ClientDisconnectMidStream_AbortsTheUpstreamRequest_AndLogsIt()
    {
        var (upstream, gateway) = await StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            var firstEvent = WireSamples.StreamContent[..(WireSamples.StreamContent.IndexOf("\n\n", StringComparison.Ordinal) + 2)];
            await context.Response.WriteAsync(firstEvent, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        await using var _ = upstream;
        await using var __ = gateway;
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonBody("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}""") })
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync(Ct);
            var buffer = new byte[64];
            Assert.True(await body.ReadAsync(buffer, Ct) > 0);
        } // Disposing the response closes the connection: the client is gone.

        await upstream.RequestAborted.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(499, log.StatusCode);
        Assert.True(log.IsStream);

        // The upstream had started answering: the caller pays for the prompt it read, counted locally, and for
        // the completion chunks delivered (none with content here).
        Assert.Equal(UsageLogType.Consume, log.Type);
        Assert.Equal(0, log.CompletionTokens);
        Assert.True(log.PromptTokens > 0);
        Assert.Equal(log.PromptTokens, log.Quota);
        Assert.Contains("\"usage\":\"estimated\"", log.Other.ToJson(), StringComparison.Ordinal);
    }

    private static async Task<JsonNode> ReadErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        return json["error"] ?? throw new JsonException("no error object");
    }
}
