using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Samples;

/// <summary>samples/LlmRelay.MinimalApi: the app's own endpoints and auth, with LlmRelay under /llm behind that auth.</summary>
public sealed class MinimalApiSampleTests
{
    private const string AppKey = "app-key-for-tests";
    private const string OtherAppKey = "app-key-without-llm-scope";
    private const string Answer = """{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"hi from upstream"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":3,"total_tokens":4}}""";

    [Fact]
    public async Task Preflight_UnderTheAppsOwnAuthorization_IsDecidedByTheHost()
    {
        // The host's authorization runs before the relay endpoint (docs/security.md, CORS): without UseCors() the
        // credential-less preflight is refused there, and no upstream is called either way.
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer));
        await using var factory = CreateFactory(upstream);
        using var client = factory.CreateClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri("/llm/v1/chat/completions", UriKind.Relative));
        preflight.Headers.Add("Origin", "https://app.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await client.SendAsync(preflight, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task OwnEndpoint_Anonymous_Answers()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer));
        await using var factory = CreateFactory(upstream);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/time", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("utc", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhoAmI_UnderTheGatewayKeyPolicy_SeesTheKeysTokenAndRefusesOthersInOpenAIShape()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer));
        await using var factory = CreateFactory(upstream);
        using var client = factory.CreateClient();

        using var allowed = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/whoami", UriKind.Relative));
        allowed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Settings.Key);
        using var seen = await client.SendAsync(allowed, TestContext.Current.CancellationToken);
        using var refused = await client.GetAsync(new Uri("/api/whoami", UriKind.Relative), TestContext.Current.CancellationToken);

        var body = await seen.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(seen.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("\"group\":\"default\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"token_id\":null", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("\"error\"", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task ChatCompletions_WithAppKeyAndGatewayKey_RelaysToUpstream()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer));
        await using var factory = CreateFactory(upstream);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(ChatRequest(AppKey, Settings.Key), TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("hi from upstream", body, StringComparison.Ordinal);
        var forwarded = Assert.Single(upstream.Requests);
        Assert.Equal($"Bearer {Settings.UpstreamKey}", forwarded.Headers["Authorization"]);
        Assert.False(forwarded.Headers.ContainsKey("X-App-Key"), "The app's own key must not reach the upstream.");
    }

    [Fact]
    public async Task ChatCompletions_WithoutAppKey_Returns401AndNeverReachesUpstream()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer));
        await using var factory = CreateFactory(upstream);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(ChatRequest(appKey: null, Settings.Key), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task ChatCompletions_AppClientWithoutLlmScope_Returns403()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer));
        await using var factory = CreateFactory(upstream);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(ChatRequest(OtherAppKey, Settings.Key), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task ChatCompletions_WithAppKeyButUnknownGatewayKey_ReturnsLlmRelay401()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer));
        await using var factory = CreateFactory(upstream);
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(ChatRequest(AppKey, "sk-not-a-known-gateway-key-000000"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"error\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task RelayEndpoints_AreOnlyUnderLlmPrefix()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer));
        await using var factory = CreateFactory(upstream);
        using var client = factory.CreateClient();

        using var root = await client.SendAsync(ChatRequest(AppKey, Settings.Key, "/v1/chat/completions"), TestContext.Current.CancellationToken);
        using var readyRequest = new HttpRequestMessage(HttpMethod.Get, "/llm/readyz");
        readyRequest.Headers.Add("X-App-Key", AppKey);
        using var ready = await client.SendAsync(readyRequest, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, root.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    private static MinimalApiFactory CreateFactory(MockUpstream upstream) => new(Settings.Merge(
        Settings.Channel(0, upstream.BaseUrl + "/v1", ["gpt-4o"]),
        Settings.Token(),
        new Dictionary<string, string?>
        {
            [$"App:ApiKeys:{AppKey}"] = "mobile-app",
            [$"App:ApiKeys:{OtherAppKey}"] = "reporting-job",
            ["App:LlmClients:0"] = "mobile-app",
        }));

    private static HttpRequestMessage ChatRequest(string? appKey, string gatewayKey, string path = "/llm/v1/chat/completions")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gatewayKey);
        if (appKey is not null)
        {
            request.Headers.Add("X-App-Key", appKey);
        }

        return request;
    }
}
