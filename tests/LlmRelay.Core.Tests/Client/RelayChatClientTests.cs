using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.Channels;
using LlmRelay.Client;
using LlmRelay.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Client;

public sealed class RelayChatClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ChatOptions Model(string model = "flat") => new() { ModelId = model };

    [Fact]
    public async Task GetResponseAsync_UnservedNameOfAFamily_RoutesToTheFamilysModel_WithTheAnthropicDefaultMaxTokens()
    {
        await using var relay = await RelayHarness.CreateAsync(
            [RelayHarness.Channel(1, ChannelTypes.Anthropic, "flat", "claude-upstream")],
            options: static o =>
            {
                o.ModelFamilies["claude-*"] = "flat";
                o.AnthropicDefaultMaxTokens = 777;
            });

        var response = await relay.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model("claude-3-5-haiku-latest"), Ct);

        Assert.Equal(FakeUpstreamHandler.Text, response.Text);
        var sent = JsonNode.Parse(Assert.Single(relay.Upstream.Requests).Body)!;
        Assert.Equal("claude-upstream", sent["model"]!.GetValue<string>());
        Assert.Equal(777, sent["max_tokens"]!.GetValue<int>());
        Assert.Equal("claude-3-5-haiku-latest", Assert.Single(relay.DrainLogs()).ModelName);
    }

    [Theory]
    [InlineData(ChannelTypes.OpenAI, "/v1/chat/completions")]
    [InlineData(ChannelTypes.Anthropic, "/v1/messages")]
    [InlineData(ChannelTypes.Gemini, "/v1beta/models/upstream-model:generateContent")]
    public async Task GetResponseAsync_AnyChannelType_ReturnsTextUsageAndOneLogRow(string type, string path)
    {
        await using var relay = await RelayHarness.CreateAsync([RelayHarness.Channel(1, type, "flat", "upstream-model")]);

        var response = await relay.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct);

        Assert.Equal(FakeUpstreamHandler.Text, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(12, response.Usage?.InputTokenCount);
        Assert.Equal(4, response.Usage?.OutputTokenCount);
        Assert.IsType<Formats.OpenAI.Models.ChatCompletionResponse>(response.RawRepresentation);
        var (request, body) = Assert.Single(relay.Upstream.Requests);
        Assert.Equal(path, request.RequestUri!.AbsolutePath);
        if (type != ChannelTypes.Gemini)
        {
            Assert.Equal("upstream-model", JsonNode.Parse(body)!["model"]!.GetValue<string>()); // Model mapping applied.
        }

        var log = Assert.Single(relay.DrainLogs());
        Assert.Equal(UsageLogType.Consume, log.Type);
        Assert.Equal("in-process", log.TokenName);
        Assert.Equal("flat", log.ModelName);
        Assert.Equal($"{type}-1", log.ChannelName);
        Assert.Equal(200, log.StatusCode);
        Assert.Equal(12, log.PromptTokens);
        Assert.Equal(4, log.CompletionTokens);
        Assert.Equal(16, log.Quota);
        Assert.False(log.IsStream);
    }

    [Theory]
    [InlineData(ChannelTypes.OpenAI)]
    [InlineData(ChannelTypes.Anthropic)]
    [InlineData(ChannelTypes.Gemini)]
    public async Task GetStreamingResponseAsync_AnyChannelType_ConcatenatesTextWithUsageLast(string type)
    {
        await using var relay = await RelayHarness.CreateAsync([RelayHarness.Channel(1, type, "flat", "upstream-model")]);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in relay.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct))
        {
            updates.Add(update);
        }

        Assert.Equal(FakeUpstreamHandler.Text, string.Concat(updates.Select(static u => u.Text)));
        var usage = Assert.IsType<UsageContent>(Assert.Single(updates.SelectMany(static u => u.Contents).OfType<UsageContent>()));
        Assert.Contains(usage, updates[^1].Contents);
        Assert.Equal(12, usage.Details.InputTokenCount);
        Assert.Equal(4, usage.Details.OutputTokenCount);
        Assert.Equal(FakeUpstreamHandler.Text, updates.ToChatResponse().Text);
        var log = Assert.Single(relay.DrainLogs());
        Assert.True(log.IsStream);
        Assert.Equal(200, log.StatusCode);
        Assert.Equal(16, log.Quota);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Relay_FirstChannelFails_SecondAnswersWithoutDuplicateOutput(bool stream)
    {
        await using var relay = await RelayHarness.CreateAsync([
            RelayHarness.Channel(1, ChannelTypes.OpenAI, "flat", priority: 10, baseUrl: "https://bad.test"),
            RelayHarness.Channel(2, ChannelTypes.Anthropic, "flat", priority: 0, baseUrl: "https://good.test")]);
        relay.Upstream.Responder = (request, body, _) => Task.FromResult(request.RequestUri!.Host == "bad.test"
            ? FakeUpstreamHandler.Answer("""{"error":{"message":"boom","type":"server_error"}}""", status: HttpStatusCode.InternalServerError)
            : stream ? FakeUpstreamHandler.Answer(FakeUpstreamHandler.Wire.AnthropicStream, sse: true) : FakeUpstreamHandler.Answer(FakeUpstreamHandler.Wire.AnthropicJson));

        string text;
        if (stream)
        {
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in relay.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct))
            {
                updates.Add(update);
            }

            text = string.Concat(updates.Select(static u => u.Text));
        }
        else
        {
            text = (await relay.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct)).Text;
        }

        Assert.Equal(FakeUpstreamHandler.Text, text);
        Assert.Equal(["bad.test", "good.test"], relay.Upstream.Requests.Select(static r => r.Request.RequestUri!.Host));
        var log = Assert.Single(relay.DrainLogs());
        Assert.Equal("anthropic-2", log.ChannelName);
        Assert.Equal(200, log.StatusCode);
    }

    [Fact]
    public async Task GetResponseAsync_UpstreamRejectsRequest_ThrowsWithoutFailover()
    {
        await using var relay = await RelayHarness.CreateAsync([
            RelayHarness.Channel(1, ChannelTypes.OpenAI, "flat", priority: 10),
            RelayHarness.Channel(2, ChannelTypes.OpenAI, "flat")]);
        relay.Upstream.Responder = (_, _, _) => Task.FromResult(FakeUpstreamHandler.Answer("""{"error":{"message":"bad messages","type":"invalid_request_error","code":"invalid_value"}}""", status: HttpStatusCode.BadRequest));

        var error = await Assert.ThrowsAsync<RelayChatClientException>(() => relay.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("invalid_value", error.ErrorCode);
        Assert.Single(relay.Upstream.Requests);
        var log = Assert.Single(relay.DrainLogs());
        Assert.Equal(UsageLogType.Error, log.Type);
        Assert.Equal(400, log.StatusCode);
    }

    [Fact]
    public async Task GetResponseAsync_UnknownModel_Throws404()
    {
        await using var relay = await RelayHarness.CreateAsync([RelayHarness.Channel(1, ChannelTypes.OpenAI, "flat")]);

        var error = await Assert.ThrowsAsync<RelayChatClientException>(() => relay.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model("nope"), Ct));

        Assert.Equal(404, error.StatusCode);
        Assert.Equal("model_not_found", error.ErrorCode);
    }

    [Fact]
    public async Task UseFunctionInvocation_ToolCallThenText_InvokesFunctionOnceAndReturnsFinalText()
    {
        await using var relay = await RelayHarness.CreateAsync([RelayHarness.Channel(1, ChannelTypes.OpenAI, "flat")]);
        relay.Upstream.Responder = (_, body, _) => Task.FromResult(FakeUpstreamHandler.Answer(body.Contains("\"role\":\"tool\"", StringComparison.Ordinal)
            ? """{"id":"c2","object":"chat.completion","created":1,"model":"flat","choices":[{"index":0,"message":{"role":"assistant","content":"It is sunny in Paris."},"finish_reason":"stop"}],"usage":{"prompt_tokens":30,"completion_tokens":6,"total_tokens":36}}"""
            : """{"id":"c1","object":"chat.completion","created":1,"model":"flat","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}"""));
        var calls = 0;
        var weather = AIFunctionFactory.Create((string city) => { calls++; return $"sunny in {city}"; }, "get_weather", "Gets the weather.");
        using var client = new ChatClientBuilder(relay.Client).UseFunctionInvocation().UseLogging(NullLoggerFactory.Instance).Build();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather in Paris?")], new ChatOptions { ModelId = "flat", Tools = [weather] }, Ct);

        Assert.Equal("It is sunny in Paris.", response.Text);
        Assert.Equal(1, calls);
        Assert.Equal(2, relay.Upstream.Requests.Count);
        var first = JsonNode.Parse(relay.Upstream.Requests[0].Body)!;
        Assert.Equal("get_weather", first["tools"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("string", first["tools"]![0]!["function"]!["parameters"]!["properties"]!["city"]!["type"]!.GetValue<string>());
        var second = JsonNode.Parse(relay.Upstream.Requests[1].Body)!["messages"]!.AsArray();
        Assert.Equal("call_1", second[1]!["tool_calls"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("tool", second[2]!["role"]!.GetValue<string>());
        Assert.Equal("call_1", second[2]!["tool_call_id"]!.GetValue<string>());
        Assert.Contains("sunny in Paris", second[2]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, relay.DrainLogs().Count); // One row per relayed call.
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ToolCallFragments_AssembledIntoOneFunctionCall()
    {
        await using var relay = await RelayHarness.CreateAsync([RelayHarness.Channel(1, ChannelTypes.OpenAI, "flat")]);
        relay.Upstream.Responder = (_, _, _) => Task.FromResult(FakeUpstreamHandler.Answer(
            "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}]}\n\n" +
            "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}}]}\n\n" +
            "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n" +
            "data: [DONE]\n\n", sse: true));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in relay.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct))
        {
            updates.Add(update);
        }

        var call = Assert.Single(updates.SelectMany(static u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("call_1", call.CallId);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Paris", call.Arguments!["city"]!.ToString());
        Assert.Contains(updates, static u => u.FinishReason == ChatFinishReason.ToolCalls);
        var log = Assert.Single(relay.DrainLogs());
        // No usage in this stream: estimated and billed, as the HTTP relay bills it (issue #14 divergence 1).
        Assert.True(log.Other.IsUsageEstimated);
        Assert.Contains("\"usage\":\"estimated\"", log.Other.ToJson(), StringComparison.Ordinal);
        Assert.True(log.PromptTokens > 0);
        Assert.True(log.Quota > 0);
    }

    [Fact]
    public async Task GetResponseAsync_Cancelled_CancelsUpstreamAndLogs499()
    {
        await using var relay = await RelayHarness.CreateAsync([RelayHarness.Channel(1, ChannelTypes.OpenAI, "flat")]);
        var upstreamCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        relay.Upstream.Responder = async (_, _, ct) =>
        {
            using var registration = ct.Register(() => upstreamCancelled.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var call = relay.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), cts.Token);
        await started.Task.WaitAsync(Ct);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await upstreamCancelled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct); // a deadline, not a measurement: 5 s timed out once under a full parallel run
        var log = Assert.Single(relay.DrainLogs());
        Assert.Equal(499, log.StatusCode);
    }

    [Fact]
    public async Task GetResponseAsync_UpstreamSilentPastTheFirstByteTimeout_Throws504OnTheInjectedClock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var relay = await RelayHarness.CreateAsync(
            [RelayHarness.Channel(1, ChannelTypes.OpenAI, "flat")],
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)),
            o =>
            {
                o.FirstByteTimeout = TimeSpan.FromSeconds(3);
                o.MaxAttempts = 1;
            });
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        relay.Upstream.Responder = async (_, _, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        };

        var call = relay.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct);
        await started.Task.WaitAsync(Ct);
        time.Advance(TimeSpan.FromSeconds(3)); // The timeout was started before the request was sent.

        var failure = await Assert.ThrowsAsync<RelayChatClientException>(() => call.WaitAsync(TimeSpan.FromSeconds(30), Ct)); // A deadline, not a measurement.
        Assert.Equal(504, failure.StatusCode);
        Assert.Equal("upstream_timeout", failure.ErrorCode);
        Assert.Equal(504, Assert.Single(relay.DrainLogs()).StatusCode);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_UpstreamStallsPastTheIdleTimeout_ThrowsOnTheInjectedClock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var relay = await RelayHarness.CreateAsync(
            [RelayHarness.Channel(1, ChannelTypes.OpenAI, "flat")],
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)),
            o =>
            {
                o.FirstByteTimeout = TimeSpan.FromSeconds(30);
                o.IdleTimeout = TimeSpan.FromSeconds(2);
                o.MaxAttempts = 1;
            });
        var body = new Pipe();
        relay.Upstream.Responder = (_, _, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(body.Reader.AsStream()) { Headers = { { "Content-Type", "text/event-stream" } } },
        });
        var events = FakeUpstreamHandler.Wire.OpenAIStream.Split("\n\n");
        await body.Writer.WriteAsync(Encoding.UTF8.GetBytes(events[0] + "\n\n" + events[1] + "\n\n"), Ct); // Then silence.

        await using var updates = relay.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct).GetAsyncEnumerator(Ct);
        do
        {
            Assert.True(await updates.MoveNextAsync());
        }
        while (!updates.Current.Text.Contains("Hello from", StringComparison.Ordinal));

        // The chunk that carried this update re-armed the idle timeout before the update was handed out.
        var next = updates.MoveNextAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(2));

        var failure = await Assert.ThrowsAsync<RelayChatClientException>(() => next.WaitAsync(TimeSpan.FromSeconds(30), Ct)); // A deadline, not a measurement.
        Assert.Equal("upstream_interrupted", failure.ErrorCode);
        Assert.Contains("idle timeout", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConsumerStopsEarly_LogsAndBillsReportedUsage()
    {
        await using var relay = await RelayHarness.CreateAsync([RelayHarness.Channel(1, ChannelTypes.OpenAI, "flat")]);

        await foreach (var update in relay.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct))
        {
            if (update.Text.Length > 0)
            {
                break;
            }
        }

        var log = Assert.Single(relay.DrainLogs());
        Assert.Equal(499, log.StatusCode);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_AnthropicErrorEventMidStream_ThrowsAfterTheTextAndLogs502()
    {
        // A real Anthropic stream's last events (../shared/fixtures/upstream): two text deltas, then an api_error event.
        var recorded = await File.ReadAllTextAsync(Path.Combine(Health.UpstreamFixtures.Require(), "anthropic/messages-stream-midstream-error.partial.sse"), Ct);
        await using var relay = await RelayHarness.CreateAsync([RelayHarness.Channel(1, ChannelTypes.Anthropic, "flat")]);
        relay.Upstream.Responder = (_, _, _) => Task.FromResult(FakeUpstreamHandler.Answer(recorded, sse: true));

        var text = new StringBuilder();
        var failure = await Assert.ThrowsAsync<RelayChatClientException>(async () =>
        {
            await foreach (var update in relay.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct))
            {
                text.Append(update.Text);
            }
        });

        Assert.Equal("d with a replacement character (", text.ToString());
        Assert.Equal(502, failure.StatusCode);
        Assert.Equal("api_error", failure.ErrorCode);
        Assert.Contains("Internal server error", failure.Message, StringComparison.Ordinal);
        Assert.Equal(502, Assert.Single(relay.DrainLogs()).StatusCode);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ErrorEventBeforeAnyContent_FailsOverToTheNextChannel()
    {
        // Anthropic opens the stream (message_start), then sends an error event: nothing reached the caller, so the next channel answers.
        var root = Health.UpstreamFixtures.Require();
        var start = (await File.ReadAllTextAsync(Path.Combine(root, "anthropic/messages-stream-text.sse"), Ct)).Split("\n\n")[0] + "\n\n";
        var error = (await File.ReadAllTextAsync(Path.Combine(root, "anthropic/messages-stream-midstream-error.partial.sse"), Ct)).Split("\n\n")[2] + "\n\n";
        await using var relay = await RelayHarness.CreateAsync([
            RelayHarness.Channel(1, ChannelTypes.Anthropic, "flat", priority: 10, baseUrl: "https://bad.test"),
            RelayHarness.Channel(2, ChannelTypes.Anthropic, "flat", priority: 0, baseUrl: "https://good.test")]);
        relay.Upstream.Responder = (request, _, _) => Task.FromResult(FakeUpstreamHandler.Answer(
            request.RequestUri!.Host == "bad.test" ? start + error : FakeUpstreamHandler.Wire.AnthropicStream, sse: true));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in relay.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct))
        {
            updates.Add(update);
        }

        Assert.Equal(FakeUpstreamHandler.Text, updates.ToChatResponse().Text);
        Assert.Equal(["bad.test", "good.test"], relay.Upstream.Requests.Select(static r => r.Request.RequestUri!.Host));
        var log = Assert.Single(relay.DrainLogs());
        Assert.Equal("anthropic-2", log.ChannelName);
        Assert.Equal(200, log.StatusCode);
    }

    [Fact]
    public async Task GetService_ChatClientMetadata_NamesLlmRelayAndDefaultModel()
    {
        await using var relay = await RelayHarness.CreateAsync([], services => services.Configure<RelayChatClientOptions>(static o => o.DefaultModel = "flat"));

        var metadata = relay.Client.GetService<ChatClientMetadata>();

        Assert.Equal("llmrelay", metadata?.ProviderName);
        Assert.Null(metadata?.ProviderUri);
        Assert.Equal("flat", metadata?.DefaultModelId);
        Assert.Same(relay.Client, relay.Client.GetService<RelayChatClient>());
    }

    [Fact]
    public async Task GetRelayChatClient_UnknownToken_Throws401()
    {
        await using var relay = await RelayHarness.CreateAsync([RelayHarness.Channel(1, ChannelTypes.OpenAI, "flat")]);
        var client = relay.Services.GetRelayChatClient("sk-not-a-real-token-000000000000");

        var error = await Assert.ThrowsAsync<RelayChatClientException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Model(), Ct));

        Assert.Equal(401, error.StatusCode);
    }

    [Fact]
    public void Constructor_WithoutAddLlmRelay_ThrowsNamingIt()
    {
        using var provider = new ServiceCollection().BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => new RelayChatClient(provider));

        Assert.Contains("AddLlmRelay()", error.Message, StringComparison.Ordinal);
    }
}
