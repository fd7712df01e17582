using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Every caller family against every channel type, streaming and not, over real HTTP.</summary>
public sealed class CrossFamilyTests : IAsyncLifetime
{
    private MockUpstream _upstream = null!;
    private GatewayFactory _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, bool> Matrix()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var caller in (string[])["openai", "anthropic", "gemini", "responses"])
        {
            foreach (var channel in (string[])["openai", "anthropic", "gemini"])
            {
                data.Add(caller, channel, false);
                data.Add(caller, channel, true);
            }
        }

        return data;
    }

    public async ValueTask InitializeAsync()
    {
        _upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        _gateway = new GatewayFactory(FamilyUpstream.Channels(_upstream.BaseUrl));
        _gateway.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Relay_AnyCallerFamily_ReachesAnyChannelType(string caller, string channel, bool stream)
    {
        var model = channel + "-model";
        using var client = _gateway.CreateGatewayClient(null);
        using var request = BuildRequest(caller, model, stream);

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal(stream ? "text/event-stream" : "application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(FamilyUpstream.Text, stream ? StreamText(caller, text) : BodyText(caller, text));
        if (stream)
        {
            AssertClosed(caller, text);
        }

        var sent = _upstream.Requests.Last();
        switch (channel)
        {
            case "openai":
                // Responses callers pass through to OpenAI's own /v1/responses; everyone else is converted to Chat Completions.
                Assert.Equal(caller == "responses" ? "/v1/responses" : "/v1/chat/completions", sent.PathAndQuery);
                Assert.Equal($"Bearer {Settings.UpstreamKey}", sent.Headers["Authorization"]);
                Assert.Equal("gpt-4o", JsonNode.Parse(sent.Body)!["model"]!.GetValue<string>());
                break;
            case "anthropic":
                Assert.Equal("/v1/messages", sent.PathAndQuery);
                Assert.Equal(Settings.UpstreamKey, sent.Headers["x-api-key"]);
                Assert.True(sent.Headers.ContainsKey("anthropic-version"));
                var anthropicBody = JsonNode.Parse(sent.Body)!;
                Assert.Equal("claude-sonnet-4-20250514", anthropicBody["model"]!.GetValue<string>());
                Assert.NotNull(anthropicBody["max_tokens"]);
                break;
            default:
                Assert.Equal(stream ? "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" : "/v1beta/models/gemini-2.5-flash:generateContent", sent.PathAndQuery);
                Assert.Equal(Settings.UpstreamKey, sent.Headers["x-goog-api-key"]);
                Assert.NotNull(JsonNode.Parse(sent.Body)!["contents"]);
                break;
        }

        var log = (await _gateway.WaitForLogsAsync(1)).First(l => l.RequestId.Length > 0 && l.ModelName == model && l.IsStream == stream);
        Assert.Equal(200, log.StatusCode);
        Assert.Equal(12, log.PromptTokens);
        Assert.Equal(4, log.CompletionTokens);
        Assert.Equal(16, log.Quota);
    }

    [Theory]
    [InlineData("anthropic", true)]
    [InlineData("openai", false)]
    [InlineData("gemini", false)]
    public async Task Relay_AnthropicCallerBetaHeaders_ReachAnAnthropicChannelOnly(string channel, bool forwarded)
    {
        // Claude Code sends beta-only body fields (context_management, tools[].defer_loading) with their anthropic-beta
        // header: on pass-through the header must go with them, or Anthropic refuses the body (issue #16).
        using var client = _gateway.CreateGatewayClient(null);
        using var request = BuildRequest("anthropic", channel + "-model", stream: false);
        request.Headers.Add("anthropic-beta", "context-management-2025-06-27,fine-grained-tool-streaming-2025-05-14");
        request.Headers.Add("anthropic-dangerous-direct-browser-access", "true");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = _upstream.Requests.Last();
        if (forwarded)
        {
            Assert.Equal("context-management-2025-06-27,fine-grained-tool-streaming-2025-05-14", sent.Headers["anthropic-beta"]);
            Assert.Equal("true", sent.Headers["anthropic-dangerous-direct-browser-access"]);
            Assert.Equal("2023-06-01", sent.Headers["anthropic-version"]); // once, not the caller's and the gateway's
        }
        else
        {
            Assert.DoesNotContain(sent.Headers.Keys, k => k.StartsWith("anthropic-", StringComparison.OrdinalIgnoreCase));
        }

        Assert.DoesNotContain(Settings.Key, string.Join("\n", sent.Headers.Values), StringComparison.Ordinal);
    }

    private static HttpRequestMessage BuildRequest(string caller, string model, bool stream)
    {
        var s = stream ? "true" : "false";
        HttpRequestMessage request;
        switch (caller)
        {
            case "anthropic":
                request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
                {
                    Content = new StringContent($$"""{"model":"{{model}}","max_tokens":100,"stream":{{s}},"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("x-api-key", Settings.Key);
                request.Headers.Add("anthropic-version", "2023-06-01");
                return request;
            case "gemini":
                request = new HttpRequestMessage(HttpMethod.Post, stream ? $"/v1beta/models/{model}:streamGenerateContent?alt=sse" : $"/v1beta/models/{model}:generateContent")
                {
                    Content = new StringContent("""{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}""", Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("x-goog-api-key", Settings.Key);
                return request;
            case "responses":
                request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
                {
                    Content = new StringContent($$"""{"model":"{{model}}","stream":{{s}},"input":"Hi"}""", Encoding.UTF8, "application/json"),
                };
                break;
            default:
                request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                {
                    Content = new StringContent($$"""{"model":"{{model}}","stream":{{s}},"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
                };
                break;
        }

        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Settings.Key);
        return request;
    }

    private static string BodyText(string caller, string body)
    {
        var json = JsonNode.Parse(body)!;
        return caller switch
        {
            "anthropic" => string.Concat(json["content"]!.AsArray().Where(b => b!["type"]!.GetValue<string>() == "text").Select(b => b!["text"]!.GetValue<string>())),
            "gemini" => string.Concat(json["candidates"]![0]!["content"]!["parts"]!.AsArray().Select(p => p!["text"]?.GetValue<string>() ?? "")),
            "responses" => string.Concat(json["output"]!.AsArray()
                .Where(o => o!["type"]!.GetValue<string>() == "message")
                .SelectMany(o => o!["content"]!.AsArray())
                .Select(c => c!["text"]?.GetValue<string>() ?? "")),
            _ => json["choices"]![0]!["message"]!["content"]!.GetValue<string>(),
        };
    }

    private static IEnumerable<JsonNode> Events(string sse) =>
        sse.Split('\n')
            .Select(static l => l.TrimEnd('\r'))
            .Where(static l => l.StartsWith("data:", StringComparison.Ordinal) && !l.Contains("[DONE]", StringComparison.Ordinal))
            .Select(static l => JsonNode.Parse(l[5..])!);

    private static string StreamText(string caller, string sse)
    {
        var text = new StringBuilder();
        foreach (var e in Events(sse))
        {
            switch (caller)
            {
                case "anthropic":
                    if (e["type"]?.GetValue<string>() == "content_block_delta" && e["delta"]!["type"]!.GetValue<string>() == "text_delta")
                    {
                        text.Append(e["delta"]!["text"]!.GetValue<string>());
                    }

                    break;
                case "gemini":
                    foreach (var part in e["candidates"]?[0]?["content"]?["parts"]?.AsArray() ?? [])
                    {
                        text.Append(part!["text"]?.GetValue<string>());
                    }

                    break;
                case "responses":
                    if (e["type"]?.GetValue<string>() == "response.output_text.delta")
                    {
                        text.Append(e["delta"]!.GetValue<string>());
                    }

                    break;
                default:
                    if (e["choices"]?.AsArray() is { Count: > 0 } choices)
                    {
                        text.Append(choices[0]!["delta"]?["content"]?.GetValue<string>());
                    }

                    break;
            }
        }

        return text.ToString();
    }

    private static void AssertClosed(string caller, string sse)
    {
        switch (caller)
        {
            case "anthropic":
                Assert.Contains("event: message_stop", sse, StringComparison.Ordinal);
                break;
            case "gemini":
                Assert.Contains("finishReason", Events(sse).Last().ToJsonString(), StringComparison.Ordinal);
                break;
            case "responses":
                Assert.Contains("response.completed", sse, StringComparison.Ordinal);
                break;
            default:
                Assert.EndsWith("data: [DONE]\n\n", sse, StringComparison.Ordinal);
                break;
        }
    }
}
