using System.Net;
using System.Text.Json.Nodes;
using LlmRelay.Formats.Conversion;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Pricing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Agents;

/// <summary>
/// The requests the real CLIs sent (Agents/Recordings, see <see cref="AgentRecordingTests"/>) replayed through the gateway
/// to every channel type: what each upstream receives follows its provider's documented rules (issue #16). Needs no CLI.
/// </summary>
/// <remarks>
/// Model limits come from the gateway's own capability table (<see cref="ModelCapabilities"/>), the same one the
/// conversions read, so these tests check the rules hold on real agent traffic; the table's values and the exact converted
/// bodies for each rule are ModelCapabilityTests' and the converters' tests.
/// </remarks>
public sealed class RecordedAgentRequestTests(AgentGatewayFixture fixture) : IClassFixture<AgentGatewayFixture>
{
    /// <summary>Top-level fields of a Gemini <c>GenerateContentRequest</c> (ai.google.dev/api/generate-content).</summary>
    private static readonly HashSet<string> GeminiRequestFields = ["contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings", "cachedContent", "labels"];

    /// <summary>Fields of Gemini's <c>GenerationConfig</c>.</summary>
    private static readonly HashSet<string> GeminiGenerationFields =
    [
        "stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema", "responseModalities", "candidateCount", "maxOutputTokens",
        "temperature", "topP", "topK", "seed", "presencePenalty", "frequencyPenalty", "responseLogprobs", "logprobs", "thinkingConfig", "mediaResolution", "speechConfig",
    ];

    /// <summary>Fields of Gemini's <c>FunctionDeclaration</c>.</summary>
    private static readonly HashSet<string> GeminiFunctionFields = ["name", "description", "parameters", "parametersJsonSchema", "response", "responseJsonSchema", "behavior"];

    private readonly MockUpstream _upstream = fixture.Upstream;
    private readonly GatewayFactory _gateway = fixture.Gateway;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var cli in AgentCli.All)
        {
            foreach (var (type, _) in AgentGateway.Channels)
            {
                data.Add(cli.Name, type);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task RecordedRequest_ThroughEachChannelType_ReachesTheUpstreamInItsProvidersRules(string name, string channelType)
    {
        var cli = AgentCli.All.Single(c => c.Name == name);
        var upstreamModel = AgentGateway.Channels.Single(c => c.Type == channelType).UpstreamModel;
        var capability = _gateway.Services.GetRequiredService<ModelCapabilities>().Resolve(channelType, upstreamModel);
        using var client = new HttpClient { BaseAddress = _gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        foreach (var recorded in AgentRecordings.Load(cli))
        {
            var before = _upstream.Requests.Count;
            using var request = Replay(recorded, AgentGateway.KeyFor(channelType));

            using var response = await client.SendAsync(request, Ct);
            var answer = await response.Content.ReadAsStringAsync(Ct);

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {answer}");
            Assert.DoesNotContain("error", answer.Split('\n').Where(static l => l.StartsWith("event:", StringComparison.Ordinal)), StringComparer.Ordinal);
            if (channelType == "chat-client")
            {
                Assert.Equal(before, _upstream.Requests.Count); // served in process
                continue;
            }

            var sent = Assert.Single(_upstream.Requests.Skip(before));
            var body = JsonNode.Parse(sent.Body)!.AsObject();
            AssertCredentials(channelType, sent, AgentGateway.KeyFor(channelType));
            switch (channelType)
            {
                case "anthropic":
                    AssertAnthropic(cli, recorded, sent, body, upstreamModel, capability);
                    break;
                case "gemini":
                    AssertGemini(cli, recorded, sent, body, capability);
                    break;
                default:
                    AssertOpenAI(channelType, sent, body, upstreamModel, capability);
                    break;
            }
        }
    }

    /// <summary>The recorded request with the gateway key where the CLI put its credential.</summary>
    private static HttpRequestMessage Replay(RecordedRequest recorded, string key)
    {
        var request = new HttpRequestMessage(new HttpMethod(recorded.Method), recorded.PathAndQuery)
        {
            Content = new ByteArrayContent(recorded.Body),
        };
        foreach (var (name, value) in recorded.Headers)
        {
            var actual = value == AgentRecordings.Redacted
                ? (name.Equals("authorization", StringComparison.OrdinalIgnoreCase) ? "Bearer " + key : key)
                : value;
            if (name.Equals("content-type", StringComparison.OrdinalIgnoreCase))
            {
                request.Content.Headers.TryAddWithoutValidation(name, actual);
            }
            else
            {
                Assert.True(request.Headers.TryAddWithoutValidation(name, actual), name);
            }
        }

        return request;
    }

    private static void AssertCredentials(string channelType, RecordedRequest sent, string gatewayKey)
    {
        switch (channelType)
        {
            case "anthropic":
                Assert.Equal(Settings.UpstreamKey, sent.Headers["x-api-key"]);
                break;
            case "gemini":
                Assert.Equal(Settings.UpstreamKey, sent.Headers["x-goog-api-key"]);
                break;
            case "azure":
                Assert.Equal(Settings.UpstreamKey, sent.Headers["api-key"]);
                break;
            default:
                Assert.Equal("Bearer " + Settings.UpstreamKey, sent.Headers["Authorization"]);
                break;
        }

        Assert.DoesNotContain(gatewayKey, string.Join("\n", sent.Headers.Values), StringComparison.Ordinal);
        Assert.DoesNotContain(gatewayKey, sent.BodyText, StringComparison.Ordinal);
        if (channelType != "anthropic")
        {
            Assert.DoesNotContain(sent.Headers.Keys, static k => k.StartsWith("anthropic-", StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>Anthropic Messages: the beta header with its beta fields on pass-through; with thinking no temperature or top_k, top_p from 0.95, a budget below max_tokens; max_tokens within the model's limit.</summary>
    private static void AssertAnthropic(AgentCli cli, RecordedRequest recorded, RecordedRequest sent, JsonObject body, string upstreamModel, ModelCapability? capability)
    {
        Assert.StartsWith("/v1/messages", sent.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal("2023-06-01", sent.Headers["anthropic-version"]);
        Assert.Equal(upstreamModel, body["model"]!.GetValue<string>());
        var maxTokens = body["max_tokens"]!.GetValue<int>();
        Assert.InRange(maxTokens, 1, capability?.MaxOutputTokens ?? int.MaxValue);
        if (body["thinking"]?["type"]?.GetValue<string>() == "enabled")
        {
            Assert.Null(body["temperature"]);
            Assert.Null(body["top_k"]);
            Assert.InRange(body["top_p"]?.GetValue<double>() ?? 1, 0.95, 1);
            Assert.InRange(body["thinking"]!["budget_tokens"]!.GetValue<int>(), 1024, maxTokens - 1);
        }

        if (capability?.TemperatureOrTopP == true)
        {
            Assert.False(body["temperature"] is not null && body["top_p"] is not null, "temperature and top_p together");
        }

        if (cli == AgentCli.ClaudeCode)
        {
            // Pass-through: the beta header goes with the beta fields it enables, and the body is the CLI's but for the model.
            Assert.Equal(recorded.Headers["anthropic-beta"], sent.Headers["anthropic-beta"]);
            var original = JsonNode.Parse(recorded.Body)!.AsObject();
            original["model"] = upstreamModel;
            Assert.True(JsonNode.DeepEquals(original, body), "the pass-through body differs from the CLI's beyond the model");
        }
        else
        {
            Assert.False(sent.Headers.ContainsKey("anthropic-beta"));
        }
    }

    /// <summary>Gemini: only documented fields, the output limit within the model's; a Gemini caller's body passed through byte for byte.</summary>
    private static void AssertGemini(AgentCli cli, RecordedRequest recorded, RecordedRequest sent, JsonObject body, ModelCapability? capability)
    {
        Assert.StartsWith("/v1beta/models/gemini-2.5-flash:", sent.PathAndQuery, StringComparison.Ordinal);
        if (cli == AgentCli.Gemini)
        {
            Assert.Equal(recorded.Body, sent.Body);
            return;
        }

        Assert.Empty(body.Select(static p => p.Key).Except(GeminiRequestFields));
        var generation = body["generationConfig"]?.AsObject();
        Assert.Empty((generation ?? []).Select(static p => p.Key).Except(GeminiGenerationFields));
        Assert.InRange(generation?["maxOutputTokens"]?.GetValue<int>() ?? 1, 1, capability?.MaxOutputTokens ?? int.MaxValue);
        foreach (var declaration in body["tools"]?.AsArray().SelectMany(static t => t!["functionDeclarations"]?.AsArray() ?? []) ?? [])
        {
            Assert.Empty(declaration!.AsObject().Select(static p => p.Key).Except(GeminiFunctionFields));
        }
    }

    /// <summary>OpenAI-compatible (OpenAI, Azure, DeepSeek): no reasoning controls for a model without them; the output limit within the model's.</summary>
    private static void AssertOpenAI(string channelType, RecordedRequest sent, JsonObject body, string upstreamModel, ModelCapability? capability)
    {
        var responses = sent.PathAndQuery.Contains("/responses", StringComparison.Ordinal);
        Assert.False(responses && channelType == "deepseek", "DeepSeek has no Responses API: a Responses caller must be converted to Chat Completions");
        Assert.StartsWith(channelType == "azure" ? $"/openai/deployments/{upstreamModel}/" : "/v1/", sent.PathAndQuery, StringComparison.Ordinal);
        if (channelType != "azure")
        {
            Assert.Equal(upstreamModel, body["model"]!.GetValue<string>());
        }

        if (capability?.Reasoning is ReasoningControl.None)
        {
            Assert.True(body["reasoning_effort"] is null, $"reasoning_effort {body["reasoning_effort"]} sent to {upstreamModel}");
            Assert.True(body["reasoning"] is null, $"reasoning {body["reasoning"]?.ToJsonString()} sent to {upstreamModel} at {sent.PathAndQuery}");
        }

        var limit = body[responses ? "max_output_tokens" : "max_completion_tokens"] ?? body["max_tokens"];
        Assert.InRange(limit?.GetValue<int>() ?? 1, 1, capability?.MaxOutputTokens ?? int.MaxValue);
    }
}
