using System.Net;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// Provider-specific usage buckets (cached, cache-write, reasoning, thoughts, tool-use prompt tokens) billed once
/// each at the configured ratios, through the relay, in every family, streaming and not, and across families.
/// </summary>
/// <remarks>
/// Every model is priced ModelRatio 2, CompletionRatio 4, CacheReadRatio 0.1, CacheWrite5mRatio 1.25,
/// CacheWrite1hRatio 2; the "vip" group pays 1.5. Upstream bodies follow ../shared/fixtures/upstream
/// (chat-nonstream-cached-tokens, chat-nonstream-reasoning-tokens, messages-nonstream-cache-creation,
/// messages-stream-cache-read, generatecontent-nonstream-cached-content-tokens,
/// streamgeneratecontent-sse-google-search-tool-use-prompt-tokens).
/// </remarks>
public sealed class UsageBillingTests
{
    private const long Balance = 10_000_000;

    // prompt 1144 of which 1024 cached; completion 75 of which 64 reasoning.
    private const string OpenAIJson = """{"id":"chatcmpl-D2XQbO9IthwPQjQgpjGzn6Iy38Z6W","object":"chat.completion","created":1769497525,"model":"gpt-5-2025-08-07","choices":[{"index":0,"message":{"role":"assistant","content":"42","refusal":null,"annotations":[]},"finish_reason":"stop"}],"usage":{"prompt_tokens":1144,"completion_tokens":75,"total_tokens":1219,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":64,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":null}""";

    private const string OpenAIStream =
        "data: {\"id\":\"chatcmpl-D7mVu\",\"object\":\"chat.completion.chunk\",\"created\":1770747154,\"model\":\"gpt-5-2025-08-07\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_8b22347a3e\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"YB\"}\n\n" +
        "data: {\"id\":\"chatcmpl-D7mVu\",\"object\":\"chat.completion.chunk\",\"created\":1770747154,\"model\":\"gpt-5-2025-08-07\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_8b22347a3e\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"42\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"AZ\"}\n\n" +
        "data: {\"id\":\"chatcmpl-D7mVu\",\"object\":\"chat.completion.chunk\",\"created\":1770747154,\"model\":\"gpt-5-2025-08-07\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_8b22347a3e\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null,\"obfuscation\":\"ir\"}\n\n" +
        "data: {\"id\":\"chatcmpl-D7mVu\",\"object\":\"chat.completion.chunk\",\"created\":1770747154,\"model\":\"gpt-5-2025-08-07\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_8b22347a3e\",\"choices\":[],\"usage\":{\"prompt_tokens\":1144,\"completion_tokens\":75,\"total_tokens\":1219,\"prompt_tokens_details\":{\"cached_tokens\":1024,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":64,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},\"obfuscation\":\"W0\"}\n\n" +
        "data: [DONE]\n\n";

    // input_tokens 8 excludes both cache buckets: 1217 read, 4167 written (3000 for 5 minutes, 1167 for 1 hour).
    private const string AnthropicJson = """{"model":"claude-sonnet-4-20250514","id":"msg_01UK4kFB64VX3JEbCA5c21Cp","type":"message","role":"assistant","content":[{"type":"text","text":"42"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":8,"cache_creation_input_tokens":4167,"cache_read_input_tokens":1217,"cache_creation":{"ephemeral_5m_input_tokens":3000,"ephemeral_1h_input_tokens":1167},"output_tokens":204,"service_tier":"standard"}}""";

    // message_start carries the cache buckets (2000 written for 1 hour); message_delta repeats them without the split.
    private const string AnthropicStream =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-5-20250929\",\"id\":\"msg_01MZSWarEUbFXmek8aEpwKDu\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":2000,\"cache_read_input_tokens\":1217,\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":2000},\"output_tokens\":1,\"service_tier\":\"standard\",\"inference_geo\":\"not_available\"}}  }\n\n" +
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
        "event: ping\ndata: {\"type\": \"ping\"}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"42\"}        }\n\n" +
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0     }\n\n" +
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":2000,\"cache_read_input_tokens\":1217,\"output_tokens\":6}            }\n\n" +
        "event: message_stop\ndata: {\"type\":\"message_stop\"              }\n\n";

    // promptTokenCount 3797 includes 3055 cached; thoughts 1549 are outside candidatesTokenCount 656.
    private const string GeminiJson = """
        {
          "candidates": [{"content": {"parts": [{"text": "42"}], "role": "model"}, "finishReason": "STOP", "index": 0}],
          "usageMetadata": {
            "promptTokenCount": 3797,
            "candidatesTokenCount": 656,
            "totalTokenCount": 6002,
            "cachedContentTokenCount": 3055,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 3797}],
            "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 3055}],
            "thoughtsTokenCount": 1549
          },
          "modelVersion": "gemini-2.5-flash",
          "responseId": "vJtEafuCBsCDz7IP1ZXs0Ao"
        }
        """;

    // Cumulative usageMetadata; the last chunk has tool-use prompt tokens 253 (outside promptTokenCount 32) and thoughts 430.
    private const string GeminiStream =
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"On January 1,\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 32,\"candidatesTokenCount\": 5,\"totalTokenCount\": 720,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 32}],\"toolUsePromptTokenCount\": 253,\"thoughtsTokenCount\": 430},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"qzp5aa74Ebrjz7IPur-ksAQ\"}\r\n\r\n" +
        "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" 2026, the price was 42.\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0,\"groundingMetadata\": {\"webSearchQueries\": [\"price January 1 2026\"]}}],\"usageMetadata\": {\"promptTokenCount\": 32,\"candidatesTokenCount\": 49,\"totalTokenCount\": 764,\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 32}],\"toolUsePromptTokenCount\": 253,\"toolUsePromptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 253}],\"thoughtsTokenCount\": 430},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"qzp5aa74Ebrjz7IPur-ksAQ\"}\r\n\r\n";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>caller, channel family, stream, group, logged prompt and completion tokens, hand-computed quota.</summary>
    public static TheoryData<string, string, bool, string, int, int, long> Cases() => new()
    {
        // OpenAI: (1144 - 1024 cached + 1024 x 0.1 + 75 x 4) x 2 = 522.4 x 2 = 1044.8 -> 1045; x 1.5 (vip) = 1567.2 -> 1568.
        { "openai", "openai", false, "default", 1144, 75, 1045 },
        { "openai", "openai", false, "vip", 1144, 75, 1568 },
        { "openai", "openai", true, "vip", 1144, 75, 1568 },

        // Anthropic: (8 + 1217 x 0.1 + 3000 x 1.25 + 1167 x 2 + 204 x 4) x 2 x 1.5 = 7029.7 x 3 = 21089.1 -> 21090.
        { "anthropic", "anthropic", false, "vip", 8 + 1217 + 4167, 204, 21090 },

        // Anthropic stream: (3 + 1217 x 0.1 + 2000 x 2 + 6 x 4) x 3 = 4148.7 x 3 = 12446.1 -> 12447.
        { "anthropic", "anthropic", true, "vip", 3 + 1217 + 2000, 6, 12447 },

        // Gemini: (3797 - 3055 + 3055 x 0.1 + (656 + 1549) x 4) x 3 = 9867.5 x 3 = 29602.5 -> 29603.
        { "gemini", "gemini", false, "vip", 3797, 656 + 1549, 29603 },

        // Gemini stream with search: ((32 + 253) + (49 + 430) x 4) x 3 = 2201 x 3 = 6603.
        { "gemini", "gemini", true, "vip", 32 + 253, 49 + 430, 6603 },

        // Across families the upstream's buckets are billed, whatever shape the caller reads.
        { "anthropic", "openai", false, "vip", 1144, 75, 1568 },
        { "anthropic", "openai", true, "vip", 1144, 75, 1568 },
        { "gemini", "openai", true, "vip", 1144, 75, 1568 },
        { "openai", "anthropic", false, "vip", 8 + 1217 + 4167, 204, 21090 },
        { "openai", "anthropic", true, "vip", 3 + 1217 + 2000, 6, 12447 },
        { "gemini", "anthropic", false, "vip", 8 + 1217 + 4167, 204, 21090 },
        { "openai", "gemini", false, "vip", 3797, 656 + 1549, 29603 },
        { "anthropic", "gemini", true, "vip", 32 + 253, 49 + 430, 6603 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SpecialTokens_AreBilledOnce_AtTheirRatios(string caller, string channel, bool stream, string group, int prompt, int completion, long quota)
    {
        var answer = (channel, stream) switch
        {
            ("anthropic", false) => AnthropicJson,
            ("anthropic", true) => AnthropicStream,
            ("gemini", false) => GeminiJson,
            ("gemini", true) => GeminiStream,
            (_, false) => OpenAIJson,
            _ => OpenAIStream,
        };
        await using var upstream = await MockUpstream.StartAsync(stream ? MockUpstream.Sse(answer, chunkSize: 61) : MockUpstream.Json(answer));
        await using var gateway = StartGateway(upstream, group, channel);
        using var client = gateway.CreateGatewayClient(null);

        using var response = await client.SendAsync(CallerRequest.Build(caller, "priced-model", stream, Settings.Key), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Contains("42", text, StringComparison.Ordinal);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(UsageLogType.Consume, log.Type);
        Assert.Equal(prompt, log.PromptTokens);
        Assert.Equal(completion, log.CompletionTokens);
        Assert.Equal(quota, log.Quota);
        var other = JsonNode.Parse(log.Other.ToJson())!;
        Assert.Equal(2, other["model_ratio"]!.GetValue<double>());
        Assert.Equal(4, other["completion_ratio"]!.GetValue<double>());
        Assert.Equal(0.1, other["cache_ratio"]!.GetValue<double>());
        Assert.Equal(1.25, other["cache_creation_ratio"]!.GetValue<double>());
        Assert.Equal(2, other["cache_creation_1h_ratio"]!.GetValue<double>());
        Assert.Equal(group == "vip" ? 1.5 : 1, other["group_ratio"]!.GetValue<double>());
        Assert.Null(other["usage"]); // Reported by the upstream, not estimated.
        var (remain, used) = await BalanceAsync(gateway);
        Assert.Equal(Balance - quota, remain);
        Assert.Equal(quota, used);
    }

    [Fact]
    public async Task AnthropicCaller_OpenAIChannel_SeesCachedTokensInItsOwnBuckets()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OpenAIJson));
        await using var gateway = StartGateway(upstream, "vip", "openai");
        using var client = gateway.CreateGatewayClient(null);

        using var response = await client.SendAsync(CallerRequest.Build("anthropic", "priced-model", stream: false, Settings.Key), Ct);

        var usage = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["usage"]!;
        Assert.Equal(120, usage["input_tokens"]!.GetValue<long>()); // Anthropic's input_tokens excludes cache reads.
        Assert.Equal(1024, usage["cache_read_input_tokens"]!.GetValue<long>());
        Assert.Equal(75, usage["output_tokens"]!.GetValue<long>());
    }

    /// <summary>
    /// A DeepSeek channel reports cache hits as <c>prompt_cache_hit_tokens</c> (tests/LlmRelay.Formats.Tests/Fixtures/DeepSeek,
    /// DeepSeek's documented shape): prompt 1200 of which 1088 hits, completion 42. Billed at the cache ratio whatever
    /// the caller speaks: (1200 - 1088 + 1088 x 0.1 + 42 x 4) x 2 = 388.8 x 2 = 777.6 -> 778 (issue #14).
    /// </summary>
    [Theory]
    [InlineData("openai", false)]
    [InlineData("openai", true)]
    [InlineData("anthropic", false)]
    [InlineData("anthropic", true)]
    [InlineData("gemini", false)]
    [InlineData("gemini", true)]
    public async Task DeepSeekChannel_CacheHits_AreBilledAtTheCacheRatio_WhateverTheCaller(string caller, bool stream)
    {
        var answer = File.ReadAllText(DeepSeekFixture(stream ? "chat-stream-cache-hit.sse" : "chat-nonstream-cache-hit.json"));
        await using var upstream = await MockUpstream.StartAsync(stream ? MockUpstream.Sse(answer, chunkSize: 61) : MockUpstream.Json(answer));
        await using var gateway = StartGateway(upstream, "default", "deepseek");
        using var client = gateway.CreateGatewayClient(null);

        using var response = await client.SendAsync(CallerRequest.Build(caller, "priced-model", stream, Settings.Key), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Contains("42 million", text, StringComparison.Ordinal);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal((1200, 42), (log.PromptTokens, log.CompletionTokens));
        Assert.Equal(1088, JsonNode.Parse(log.Other.ToJson())!["cached_tokens"]!.GetValue<long>());
        Assert.Equal(778, log.Quota);
        Assert.Equal((Balance - 778, 778L), await BalanceAsync(gateway));
    }

    [Theory]
    [InlineData("openai", "default", 20_000)] // 0.04 USD x 500,000 quota/USD
    [InlineData("anthropic", "vip", 30_000)] // x 1.5
    [InlineData("gemini-query", "vip", 30_000)]
    public async Task FixedPriceModel_BillsPerCall_TimesTheGroupRatio_WhateverTheUsage(string caller, string group, long quota)
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var gateway = StartGateway(upstream, group, "openai", new() { ["LlmRelay:Pricing:Models:priced-model:FixedPrice"] = "0.04" });
        using var client = gateway.CreateGatewayClient(null);

        using var response = await client.SendAsync(CallerRequest.Build(caller, "priced-model", stream: false, Settings.Key), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(quota, log.Quota);
        Assert.Equal((12, 4), (log.PromptTokens, log.CompletionTokens));
        var other = JsonNode.Parse(log.Other.ToJson())!;
        Assert.Equal(0.04, other["model_price"]!.GetValue<double>());
        Assert.Equal(group == "vip" ? 1.5 : 1, other["group_ratio"]!.GetValue<double>());
        Assert.Equal((Balance - quota, quota), await BalanceAsync(gateway));
    }

    private static GatewayFactory StartGateway(MockUpstream upstream, string group, string channelType, Dictionary<string, string?>? extra = null)
    {
        var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: Balance),
            new()
            {
                ["LlmRelay:Tokens:0:Group"] = group,
                ["LlmRelay:Channels:0:Group"] = "default,vip",
                ["LlmRelay:Pricing:GroupRatios:vip"] = "1.5",
                ["LlmRelay:Pricing:Models:priced-model:ModelRatio"] = "2",
                ["LlmRelay:Pricing:Models:priced-model:CompletionRatio"] = "4",
                ["LlmRelay:Pricing:Models:priced-model:CacheReadRatio"] = "0.1",
                ["LlmRelay:Pricing:Models:priced-model:CacheWrite5mRatio"] = "1.25",
                ["LlmRelay:Pricing:Models:priced-model:CacheWrite1hRatio"] = "2",
            },
            Settings.Channel(0, upstream.BaseUrl, ["priced-model"], type: channelType, mapping: new() { ["priced-model"] = "upstream-model" }),
            extra ?? []));
        gateway.Start();
        return gateway;
    }

    private static string DeepSeekFixture(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LlmRelay.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return Path.Combine(dir.FullName, "tests", "LlmRelay.Formats.Tests", "Fixtures", "DeepSeek", file);
    }

    private static async Task<(long Remain, long Used)> BalanceAsync(GatewayFactory gateway)
    {
        using var scope = gateway.Services.CreateScope();
        var token = (await scope.ServiceProvider.GetRequiredService<ITokenStore>().FindByKeyHashAsync(ApiKeys.Hash(Settings.Key), Ct))!;
        return (token.RemainQuota, token.UsedQuota);
    }
}
