using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using static LlmRelay.FunctionalTests.Relay.Units.UnitGateway;

namespace LlmRelay.FunctionalTests.Relay.Units;

/// <summary>/v1/images/generations and /v1/images/edits on the relay pipeline: pass-through, Azure, Gemini conversion, failover, bad input, and the per-image charge (issue #17).</summary>
/// <remarks>"image-model" is priced per image: 0.04 USD, 0.08 at 1024x1024/hd, 0.018 at 512x512 (500,000 quota per USD).</remarks>
public sealed class ImagesTests
{
    private const string TwoImages = """{"created":1700000000,"data":[{"b64_json":"aW1hZ2Ux","revised_prompt":"an otter"},{"b64_json":"aW1hZ2Uy"}]}""";
    private const string OneImage = """{"created":1700000000,"data":[{"url":"https://images.example/1.png"}]}""";

    private static readonly Dictionary<string, string?> ImagePrice = new()
    {
        ["LlmRelay:Pricing:Models:image-model:Unit"] = "Image",
        ["LlmRelay:Pricing:Models:image-model:UnitPrice"] = "0.04",
        ["LlmRelay:Pricing:Models:image-model:UnitPrices:1024x1024/hd"] = "0.08",
        ["LlmRelay:Pricing:Models:image-model:UnitPrices:512x512"] = "0.018",
    };

    [Theory]
    [InlineData("/v1/images/generations", "default", 80_000)] // 2 images x 0.08 USD x 500,000
    [InlineData("/v1/images/generations/", "vip", 120_000)]   // x 1.5
    public async Task Generations_OpenAIChannel_PassesThroughWithTheChannelsModel_AndBillsPerImageBySizeAndQuality(string path, string group, long quota)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(TwoImages));
        await using var gateway = Start(group, ImagePrice, Channel(0, upstream.BaseUrl, ["image-model"], mapping: new() { ["image-model"] = "upstream-image" }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync(path, Json("""{"model":"image-model","prompt":"an otter","n":2,"size":"1024x1024","quality":"hd","response_format":"b64_json","style":"vivid"}"""), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(2, JsonNode.Parse(text)!["data"]!.AsArray().Count);
        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/images/generations", sent.PathAndQuery);
        var body = JsonNode.Parse(sent.Body)!;
        Assert.Equal("upstream-image", body["model"]!.GetValue<string>());
        Assert.Equal("an otter", body["prompt"]!.GetValue<string>());
        Assert.Equal("vivid", body["style"]!.GetValue<string>()); // Fields the gateway does not know pass through.
        await AssertChargedAsync(gateway, quota, "image", 2, "1024x1024/hd", 0.08);
    }

    [Fact]
    public async Task Generations_BillsTheImagesDelivered_NotTheImagesAsked()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OneImage));
        await using var gateway = Start("default", ImagePrice, Channel(0, upstream.BaseUrl, ["image-model"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/generations", Json("""{"model":"image-model","prompt":"an otter","n":3}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"model":"image-model","prompt":"an otter","n":3}""", Assert.Single(upstream.Requests).BodyText); // Same model: the bytes as sent.
        await AssertChargedAsync(gateway, 20_000, "image", 1, "1024x1024", 0.04); // Size defaults to 1024x1024, priced at UnitPrice.
    }

    [Fact]
    public async Task Generations_AzureChannel_UsesTheDeploymentsImagesUrl()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OneImage));
        await using var gateway = Start("default", ImagePrice, Channel(0, upstream.BaseUrl + "/?api-version=2025-04-01-preview", ["image-model"], type: "azure", mapping: new() { ["image-model"] = "my-dalle" }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/generations", Json("""{"model":"image-model","prompt":"an otter"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("/openai/deployments/my-dalle/images/generations?api-version=2025-04-01-preview", sent.PathAndQuery);
        Assert.Equal(Settings.UpstreamKey, sent.Headers["api-key"]);
        await AssertChargedAsync(gateway, 20_000, "image", 1, "1024x1024", 0.04);
    }

    [Fact]
    public async Task Generations_GeminiChannel_ConvertsToGenerateContent_AndAnswersInlineDataAsB64Json()
    {
        const string GeminiAnswer = """
            {"candidates":[{"content":{"role":"model","parts":[{"text":"Here is your otter."},{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}]},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":1290,"totalTokenCount":1297},"modelVersion":"gemini-2.5-flash-image"}
            """;
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(GeminiAnswer));
        await using var gateway = Start("vip", new()
        {
            ["LlmRelay:Pricing:Models:gemini-image:Unit"] = "Image",
            ["LlmRelay:Pricing:Models:gemini-image:UnitPrice"] = "0.039",
        }, Channel(0, upstream.BaseUrl, ["gemini-image"], type: "gemini", mapping: new() { ["gemini-image"] = "gemini-2.5-flash-image" }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/generations", Json("""{"model":"gemini-image","prompt":"an otter","size":"1792x1024"}"""), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var answer = JsonNode.Parse(text)!;
        Assert.Equal("iVBORw0KGgo=", Assert.Single(answer["data"]!.AsArray())!["b64_json"]!.GetValue<string>());
        Assert.Equal(1290, answer["usage"]!["output_tokens"]!.GetValue<long>());
        var sent = Assert.Single(upstream.Requests);
        Assert.EndsWith("/models/gemini-2.5-flash-image:generateContent", sent.PathAndQuery, StringComparison.Ordinal);
        var body = JsonNode.Parse(sent.Body)!;
        Assert.Equal("an otter", body["contents"]![0]!["parts"]![0]!["text"]!.GetValue<string>());
        Assert.Contains("IMAGE", body["generationConfig"]!["responseModalities"]!.AsArray().Select(static m => m!.GetValue<string>()));
        Assert.Equal("16:9", body["generationConfig"]!["imageConfig"]!["aspectRatio"]!.GetValue<string>());
        var log = await AssertChargedAsync(gateway, 29_250, "image", 1, "1792x1024", 0.039); // 0.039 x 500,000 x 1.5
        Assert.Equal((7, 1290), (log.PromptTokens, log.CompletionTokens));
    }

    [Fact]
    public async Task Generations_GeminiAnswerWithoutAnImage_Is502_AndChargesNothing()
    {
        const string Refusal = """{"candidates":[{"content":{"role":"model","parts":[{"text":"I can't draw that."}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":6,"totalTokenCount":13}}""";
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Refusal));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["gemini-image"], type: "gemini"));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/generations", Json("""{"model":"gemini-image","prompt":"an otter"}"""), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.BadGateway);
        Assert.Equal("upstream_invalid_response", error["code"]!.GetValue<string>());
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(0, log.Quota);
        Assert.Equal((Balance, 0L), await BalanceAsync(gateway));
    }

    [Fact]
    public async Task Generations_FailingChannel_FailsOverToTheNext_AndChargesOnce()
    {
        await using var broken = await MockUpstream.StartAsync(MockUpstream.Json("""{"error":{"message":"overloaded","type":"server_error"}}""", status: 503));
        await using var good = await MockUpstream.StartAsync(MockUpstream.Json(OneImage));
        await using var gateway = Start("default", ImagePrice,
            Channel(0, broken.BaseUrl, ["image-model"], name: "broken", priority: 10),
            Channel(1, good.BaseUrl, ["image-model"], name: "good", priority: 0));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/generations", Json("""{"model":"image-model","prompt":"an otter","size":"512x512"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(broken.Requests);
        Assert.Single(good.Requests);
        var log = await AssertChargedAsync(gateway, 9_000, "image", 1, "512x512", 0.018);
        Assert.Equal("good", log.ChannelName);
    }

    [Fact]
    public async Task Generations_TokenPricedModel_IsBilledByTheTokensReported_AndCountsItsImages()
    {
        const string GptImage = """{"created":1700000000,"data":[{"b64_json":"aW1n"}],"usage":{"total_tokens":4210,"input_tokens":50,"output_tokens":4160,"input_tokens_details":{"text_tokens":50,"image_tokens":0}}}""";
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(GptImage));
        await using var gateway = Start("default", Settings.FlatPrice("token-image"), Channel(0, upstream.BaseUrl, ["token-image"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/generations", Json("""{"model":"token-image","prompt":"an otter","quality":"high"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var log = await AssertChargedAsync(gateway, 4210, "image", 1, "1024x1024/high", null); // 50 + 4160 at ratio 1; no unit price.
        Assert.Equal((50, 4160), (log.PromptTokens, log.CompletionTokens));
    }

    [Fact]
    public async Task Generations_QuotaBelowTheImagesAsked_Is429_AndNothingIsSent()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(TwoImages));
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Token(unlimited: false, remainQuota: 100_000), ImagePrice, Channel(0, upstream.BaseUrl, ["image-model"])));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        // 10 hd images reserve 10 x 0.08 x 500,000 = 400,000 > 100,000.
        using var response = await client.PostAsync("/v1/images/generations", Json("""{"model":"image-model","prompt":"otters","n":10,"quality":"hd"}"""), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.TooManyRequests);
        Assert.Equal("insufficient_quota", error["code"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }

    [Theory]
    [InlineData("""{"model":"image-model"}""", "prompt")]
    [InlineData("""{"model":"image-model","prompt":""}""", "prompt")]
    [InlineData("""{"model":"image-model","prompt":"x","n":11}""", "n")]
    [InlineData("""{"model":"image-model","prompt":"x","n":"2"}""", "n")]
    [InlineData("""{"model":"image-model","prompt":"x","size":"big"}""", "size")]
    [InlineData("""{"model":"image-model","prompt":"x","response_format":"png"}""", "response_format")]
    [InlineData("""{"model":"image-model","prompt":"x","stream":true}""", "stream")]
    [InlineData("""{"model":"image-model","prompt":"x",""", null)]
    [InlineData("""["prompt"]""", null)]
    public async Task Generations_BadInput_Is400InTheOpenAIShape_AndNothingIsSent(string json, string? param)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OneImage));
        await using var gateway = Start("default", ImagePrice, Channel(0, upstream.BaseUrl, ["image-model"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/generations", Json(json), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(param, error["param"]?.GetValue<string>());
        Assert.Empty(upstream.Requests);
        Assert.Equal((Balance, 0L), await BalanceAsync(gateway));
    }

    [Fact]
    public async Task Generations_WrongContentType_Is415_AndNothingIsSent()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OneImage));
        await using var gateway = Start("default", ImagePrice, Channel(0, upstream.BaseUrl, ["image-model"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/generations", new StringContent("""{"model":"image-model","prompt":"x"}""", Encoding.UTF8, "text/plain"), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("unsupported_media_type", error["code"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }

    [Theory]
    [InlineData("/v1/images/edits")]
    [InlineData("/v1/images/edits/")]
    public async Task Edits_Multipart_ReachesTheChannelWithItsFilesAndModel_AndBillsPerImage(string path)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OneImage));
        await using var gateway = Start("default", ImagePrice, Channel(0, upstream.BaseUrl, ["image-model"], mapping: new() { ["image-model"] = "upstream-image" }));
        using var client = gateway.CreateGatewayClient(Settings.Key);
        var image = Enumerable.Range(0, 3000).Select(static i => (byte)i).ToArray();
        var mask = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0, 1, 2 };

        using var response = await client.PostAsync(path, Form(("image", image, "otter.png"), ("mask", mask, "mask.png"), ("prompt", "add a beret"u8.ToArray(), null), ("model", "image-model"u8.ToArray(), null), ("size", "512x512"u8.ToArray(), null)), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/images/edits", sent.PathAndQuery);
        Assert.StartsWith("multipart/form-data; boundary=", sent.Headers["Content-Type"], StringComparison.Ordinal);
        var fields = await ReadFormAsync(sent);
        Assert.Equal(image, fields["image"]);
        Assert.Equal(mask, fields["mask"]);
        Assert.Equal("add a beret", Encoding.UTF8.GetString(fields["prompt"]));
        Assert.Equal("upstream-image", Encoding.UTF8.GetString(fields["model"]));
        await AssertChargedAsync(gateway, 9_000, "image", 1, "512x512", 0.018);
    }

    [Fact]
    public async Task Edits_MissingImageFile_Is400_AndNothingIsSent()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OneImage));
        await using var gateway = Start("default", ImagePrice, Channel(0, upstream.BaseUrl, ["image-model"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/edits", Form(("prompt", "add a beret"u8.ToArray(), null), ("model", "image-model"u8.ToArray(), null)), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("image", error["param"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Edits_JsonInsteadOfMultipart_Is415_AndNothingIsSent()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OneImage));
        await using var gateway = Start("default", ImagePrice, Channel(0, upstream.BaseUrl, ["image-model"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/edits", Json("""{"model":"image-model","prompt":"x","image":"aGVsbG8="}"""), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("unsupported_media_type", error["code"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Edits_FileOverMaxUploadFileSize_Is413InTheOpenAIShape_AndNothingIsSent()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(OneImage));
        await using var gateway = Start("default", ImagePrice, Channel(0, upstream.BaseUrl, ["image-model"]), new() { ["LlmRelay:MaxUploadFileSize"] = "1024" });
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/images/edits", Form(("image", new byte[1025], "big.png"), ("prompt", "x"u8.ToArray(), null), ("model", "image-model"u8.ToArray(), null)), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal("file_too_large", error["code"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
        Assert.Equal((Balance, 0L), await BalanceAsync(gateway));
    }
}
