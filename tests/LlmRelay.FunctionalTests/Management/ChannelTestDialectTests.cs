using System.Net;
using System.Text.Json.Nodes;
using LlmRelay.Channels;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>
/// <c>GET /api/channel/test/{id}</c> calls the channel in its own dialect (URL, credentials, body) through its provider
/// adapter and reads the answer in that dialect, as the relay and the key re-test do (issue #14).
/// </summary>
public sealed class ChannelTestDialectTests
{
    private const string GoodKey = "sk-good-0123456789";
    private const string BadKey = "sk-bad-0123456789";

    private const string AnthropicAnswer = """{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Hi"}],"stop_reason":"max_tokens","stop_sequence":null,"usage":{"input_tokens":8,"output_tokens":1}}""";
    private const string GeminiAnswer = """{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"finishReason":"MAX_TOKENS","index":0}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":1,"totalTokenCount":2},"modelVersion":"gemini-2.5-flash"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>type, model, path the upstream must see, credential header, its value for the good key (or null: the key itself).</summary>
    public static TheoryData<string, string, string, string, string?> Dialects() => new()
    {
        { "openai", "gpt-4o", "/v1/chat/completions", "Authorization", "Bearer " + GoodKey },
        { "deepseek", "deepseek-chat", "/v1/chat/completions", "Authorization", "Bearer " + GoodKey },
        { "azure", "gpt-4o", "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", "api-key", null },
        { "anthropic", "claude-sonnet-4-5", "/v1/messages", "x-api-key", null },
        { "gemini", "gemini-2.5-flash", "/v1beta/models/gemini-2.5-flash:generateContent", "x-goog-api-key", null },
    };

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task Test_CallsTheUpstreamInItsOwnDialect_AndReadsItsAnswer(string type, string model, string path, string header, string? value)
    {
        await using var upstream = await MockUpstream.StartAsync((context, request) => AnswerAsync(type, context, request));
        await using var h = await ManagementHarness.StartAsync();
        var good = await CreateAsync(h, type, upstream.BaseUrl, model, GoodKey);
        var bad = await CreateAsync(h, type, upstream.BaseUrl, model, BadKey);

        var passed = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/test/{good}");

        Assert.True(passed.Success, passed.Text);
        Assert.Equal(model, passed.Data!["model"]!.GetValue<string>());
        var seen = Assert.Single(upstream.Requests);
        Assert.Equal("POST", seen.Method);
        Assert.Equal(path, seen.PathAndQuery);
        Assert.Equal(value ?? GoodKey, seen.Headers[header]);
        AssertBodyShape(type, model, JsonNode.Parse(seen.BodyText)!);
        if (type != "openai" && type != "deepseek")
        {
            Assert.False(seen.Headers.ContainsKey("Authorization"), "A non-OpenAI dialect got a Bearer header.");
        }

        if (type == "anthropic")
        {
            Assert.Equal("2023-06-01", seen.Headers["anthropic-version"]);
        }

        var failed = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/test/{bad}");

        Assert.Equal(HttpStatusCode.BadGateway, failed.Status);
        Assert.False(failed.Success);
        Assert.Contains(ErrorMessage(type), failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(BadKey, failed.Text, StringComparison.Ordinal);
        Assert.Equal(path, upstream.Requests.Last().PathAndQuery);
    }

    /// <summary>type, path the upstream must see, credential header, its value for the good key (or null: the key itself), the list it answers.</summary>
    public static TheoryData<string, string, string, string?, string> ModelLists() => new()
    {
        { "openai", "/v1/models", "Authorization", "Bearer " + GoodKey, """{"object":"list","data":[{"id":"gpt-4o","object":"model"},{"id":"gpt-4o-mini","object":"model"}]}""" },
        { "deepseek", "/v1/models", "Authorization", "Bearer " + GoodKey, """{"object":"list","data":[{"id":"gpt-4o","object":"model","owned_by":"deepseek"},{"id":"gpt-4o-mini","object":"model","owned_by":"deepseek"}]}""" },
        { "azure", "/openai/models?api-version=2024-10-21", "api-key", null, """{"data":[{"id":"gpt-4o","object":"model"},{"id":"gpt-4o-mini","object":"model"}],"object":"list"}""" },
        { "anthropic", "/v1/models", "x-api-key", null, """{"data":[{"type":"model","id":"gpt-4o","display_name":"A","created_at":"2025-02-19T00:00:00Z"},{"type":"model","id":"gpt-4o-mini","display_name":"B","created_at":"2025-02-19T00:00:00Z"}],"has_more":false,"first_id":"gpt-4o","last_id":"gpt-4o-mini"}""" },
        { "gemini", "/v1beta/models", "x-goog-api-key", null, """{"models":[{"name":"models/gpt-4o","displayName":"A","supportedGenerationMethods":["generateContent"]},{"name":"models/gpt-4o-mini","displayName":"B"}],"nextPageToken":""}""" },
    };

    [Theory]
    [MemberData(nameof(ModelLists))]
    public async Task FetchModels_AsksTheUpstreamInItsOwnDialect_AndReadsItsList(string type, string path, string header, string? value, string list)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(list));
        await using var h = await ManagementHarness.StartAsync();
        var id = await CreateAsync(h, type, upstream.BaseUrl, "gpt-4o", GoodKey);

        var byId = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/fetch_models/{id}");
        var byUrl = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/fetch_models", new { base_url = upstream.BaseUrl, key = GoodKey, type });

        foreach (var fetched in new[] { byId, byUrl })
        {
            Assert.True(fetched.Success, fetched.Text);
            Assert.Equal(["gpt-4o", "gpt-4o-mini"], fetched.Data!.AsArray().Select(static m => m!.GetValue<string>()));
        }

        Assert.Equal(2, upstream.Requests.Count);
        foreach (var seen in upstream.Requests)
        {
            Assert.Equal("GET", seen.Method);
            Assert.Equal(path, seen.PathAndQuery);
            Assert.Equal(value ?? GoodKey, seen.Headers[header]);
            if (type is not ("openai" or "deepseek"))
            {
                Assert.False(seen.Headers.ContainsKey("Authorization"), "A non-OpenAI dialect got a Bearer header.");
            }
        }
    }

    [Fact]
    public async Task FetchModels_ChatClientChannel_ListsItsConfiguredModels_WithoutASend()
    {
        var client = new CountingChatClient();
        await using var h = await ManagementHarness.StartAsync(configureServices: services => services.AddKeyedChatClient("local", client));
        var id = await AddChatClientChannelAsync(h, "local");

        var fetched = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/fetch_models/{id}");

        Assert.Equal(HttpStatusCode.BadRequest, fetched.Status);
        Assert.Contains("in-process", fetched.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.Calls);
    }

    [Theory]
    [InlineData("anthropic", "claude-sonnet-4-5")]
    [InlineData("gemini", "gemini-2.5-flash")]
    public async Task Test_A2xxThatIsNoAnswerInTheDialect_IsAFailure(string type, string model)
    {
        // A 200 that is no answer in the channel's dialect (a proxy's login page in front of the upstream) is no sign the channel works.
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("<html>gateway login</html>"));
        await using var h = await ManagementHarness.StartAsync();
        var id = await CreateAsync(h, type, upstream.BaseUrl, model, GoodKey);

        var result = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/test/{id}");

        Assert.Equal(HttpStatusCode.BadGateway, result.Status);
        Assert.Contains("not with a valid", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_ChatClientChannel_GoesThroughTheInProcessClient()
    {
        var client = new CountingChatClient();
        var broken = new CountingChatClient { Failure = new InvalidOperationException("the local model is not loaded") };
        await using var h = await ManagementHarness.StartAsync(configureServices: services =>
        {
            services.AddKeyedChatClient("local", client);
            services.AddKeyedChatClient("broken", broken);
        });
        var good = await AddChatClientChannelAsync(h, "local");
        var bad = await AddChatClientChannelAsync(h, "broken");

        var passed = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/test/{good}");
        var failed = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/test/{bad}");

        Assert.True(passed.Success, passed.Text);
        Assert.Equal(1, client.Calls);
        Assert.Equal("hi", client.LastPrompt);
        Assert.Equal(1, client.LastMaxTokens);
        Assert.Equal(HttpStatusCode.BadGateway, failed.Status);
        Assert.Contains("the local model is not loaded", failed.Message, StringComparison.Ordinal);
        Assert.Equal(1, broken.Calls);
    }

    private static async Task<long> CreateAsync(ManagementHarness h, string type, string baseUrl, string model, string key)
    {
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new
        {
            mode = "single",
            channel = new { name = type + "-" + key[..6], type, base_url = baseUrl, key, models = new[] { model } },
        });
        Assert.True(created.Success, created.Text);
        return created.Data![0]!["id"]!.GetValue<long>();
    }

    private static async Task<long> AddChatClientChannelAsync(ManagementHarness h, string serviceKey)
    {
        using var scope = h.Gateway.Services.CreateScope();
        var channel = new RelayChannel { Name = "in-process-" + serviceKey, Type = ChannelTypes.ChatClient, BaseUrl = "chatclient://" + serviceKey, Models = ["local-model"], Keys = ["unused"] };
        await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(channel, Ct);
        return channel.Id;
    }

    private static async Task AnswerAsync(string type, HttpContext context, RecordedRequest request)
    {
        var key = type switch
        {
            "openai" or "deepseek" => request.Headers.TryGetValue("Authorization", out var bearer) ? bearer.Replace("Bearer ", "", StringComparison.Ordinal) : "",
            "azure" => request.Headers.GetValueOrDefault("api-key") ?? "",
            "anthropic" => request.Headers.GetValueOrDefault("x-api-key") ?? "",
            _ => request.Headers.GetValueOrDefault("x-goog-api-key") ?? "",
        };
        var (status, body) = key == GoodKey
            ? (200, type switch { "anthropic" => AnthropicAnswer, "gemini" => GeminiAnswer, _ => Relay.WireSamples.ChatResponse })
            : type switch
            {
                "anthropic" => (401, """{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_011"}"""),
                "gemini" => (400, """{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"""),
                "azure" => (401, """{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}}"""),
                "deepseek" => (401, $$$"""{"error":{"message":"Authentication Fails, Your api key: {{{key}}} is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}"""),
                _ => (401, """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"""),
            };
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    private static string ErrorMessage(string type) => type switch
    {
        "anthropic" => "invalid x-api-key",
        "gemini" => "API key not valid",
        "azure" => "Access denied due to invalid subscription key",
        "deepseek" => "Authentication Fails, Your api key: *** is invalid",
        _ => "Incorrect API key provided.",
    };

    private static void AssertBodyShape(string type, string model, JsonNode body)
    {
        switch (type)
        {
            case "gemini":
                Assert.Null(body["model"]);
                Assert.Null(body["messages"]);
                Assert.Equal("user", body["contents"]![0]!["role"]!.GetValue<string>());
                Assert.Equal("hi", body["contents"]![0]!["parts"]![0]!["text"]!.GetValue<string>());
                Assert.Equal(1, body["generationConfig"]!["maxOutputTokens"]!.GetValue<int>());
                break;
            case "anthropic":
                Assert.Equal(model, body["model"]!.GetValue<string>());
                Assert.Equal(1, body["max_tokens"]!.GetValue<int>());
                Assert.Equal("user", body["messages"]![0]!["role"]!.GetValue<string>());
                Assert.Contains("hi", body["messages"]![0]!["content"]!.ToJsonString(), StringComparison.Ordinal);
                break;
            default:
                Assert.Equal(model, body["model"]!.GetValue<string>());
                Assert.Equal(1, body["max_tokens"]!.GetValue<int>());
                Assert.Equal("hi", body["messages"]![0]!["content"]!.GetValue<string>());
                break;
        }
    }

    private sealed class CountingChatClient : IChatClient
    {
        public int Calls { get; private set; }

        public string? LastPrompt { get; private set; }

        public int? LastMaxTokens { get; private set; }

        public Exception? Failure { get; init; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            LastPrompt = messages.Last().Text;
            LastMaxTokens = options?.MaxOutputTokens;
            return Failure is not null
                ? Task.FromException<ChatResponse>(Failure)
                : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Hi")) { Usage = new UsageDetails { InputTokenCount = 1, OutputTokenCount = 1 } });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
