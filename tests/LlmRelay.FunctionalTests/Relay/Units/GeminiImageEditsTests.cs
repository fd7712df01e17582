using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using static LlmRelay.FunctionalTests.Relay.Units.UnitGateway;

namespace LlmRelay.FunctionalTests.Relay.Units;

/// <summary>/v1/images/edits served by a Gemini image model: the upload converted to a generateContent turn with the image as inline data, the answer's image returned as b64_json and billed per image (issue #17).</summary>
public sealed class GeminiImageEditsTests
{
    private const string GeminiAnswer = """
        {"candidates":[{"content":{"role":"model","parts":[{"text":"Your otter, with a hat."},{"inlineData":{"mimeType":"image/png","data":"aGF0dGVkIG90dGVy"}}]},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":270,"candidatesTokenCount":1290,"totalTokenCount":1560},"modelVersion":"gemini-2.5-flash-image"}
        """;

    private static readonly Dictionary<string, string?> GeminiPrice = new()
    {
        ["LlmRelay:Pricing:Models:gemini-image:Unit"] = "Image",
        ["LlmRelay:Pricing:Models:gemini-image:UnitPrice"] = "0.039",
    };

    [Fact]
    public async Task Edits_GeminiChannel_SendsTheImageAsInlineDataWithThePrompt_AndAnswersB64Json()
    {
        byte[] image = [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 250];
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(GeminiAnswer));
        await using var gateway = Start("default", GeminiPrice, Channel(0, upstream.BaseUrl, ["gemini-image"], type: "gemini", mapping: new() { ["gemini-image"] = "gemini-2.5-flash-image" }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var form = Form(("image", image, "otter.png"), ("prompt", "give the otter a hat"u8.ToArray(), null), ("model", "gemini-image"u8.ToArray(), null), ("size", "1024x1024"u8.ToArray(), null));
        using var response = await client.PostAsync("/v1/images/edits", form, Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("aGF0dGVkIG90dGVy", Assert.Single(JsonNode.Parse(text)!["data"]!.AsArray())!["b64_json"]!.GetValue<string>());
        var sent = Assert.Single(upstream.Requests);
        Assert.EndsWith("/models/gemini-2.5-flash-image:generateContent", sent.PathAndQuery, StringComparison.Ordinal);
        Assert.StartsWith("application/json", sent.Headers["Content-Type"], StringComparison.Ordinal);
        var expected = """
            {"contents":[{"role":"user","parts":[{"text":"give the otter a hat"},{"inline_data":{"mime_type":"image/png","data":"B64DATA"}}]}],"generationConfig":{"responseModalities":["TEXT","IMAGE"],"imageConfig":{"aspectRatio":"1:1"}}}
            """.Replace("\"B64DATA\"", $"\"{Convert.ToBase64String(image)}\"", StringComparison.Ordinal);
        Assert.Equal(expected, Encoding.UTF8.GetString(sent.Body));
        var log = await AssertChargedAsync(gateway, 19_500, "image", 1, "1024x1024", 0.039); // 0.039 x 500,000
        Assert.Equal((270, 1290), (log.PromptTokens, log.CompletionTokens));
    }

    [Fact]
    public async Task Edits_GeminiChannel_SeveralImages_AreSentInOrder()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(GeminiAnswer));
        await using var gateway = Start("default", GeminiPrice, Channel(0, upstream.BaseUrl, ["gemini-image"], type: "gemini"));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var form = Form(("image[]", [1, 2], "a.png"), ("image[]", [3, 4, 5], "b.png"), ("prompt", "put them together"u8.ToArray(), null), ("model", "gemini-image"u8.ToArray(), null));
        using var response = await client.PostAsync("/v1/images/edits", form, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var parts = JsonNode.Parse(Assert.Single(upstream.Requests).Body)!["contents"]![0]!["parts"]!.AsArray();
        Assert.Equal(3, parts.Count);
        Assert.Equal("put them together", parts[0]!["text"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String([1, 2]), parts[1]!["inline_data"]!["data"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String([3, 4, 5]), parts[2]!["inline_data"]!["data"]!.GetValue<string>());
        await AssertChargedAsync(gateway, 19_500, "image", 1, "1024x1024", 0.039);
    }

    [Fact]
    public async Task Edits_GeminiChannel_WithAMask_Is400MaskNotSupported_AndNothingIsSent()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(GeminiAnswer));
        await using var gateway = Start("default", GeminiPrice, Channel(0, upstream.BaseUrl, ["gemini-image"], type: "gemini"));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var form = Form(("image", [1, 2], "a.png"), ("mask", [0, 0], "mask.png"), ("prompt", "a hat"u8.ToArray(), null), ("model", "gemini-image"u8.ToArray(), null));
        using var response = await client.PostAsync("/v1/images/edits", form, Ct);

        // Gemini's image models take no mask: refused rather than sent without it (an edit of the whole image).
        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("mask_not_supported", error["code"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
        Assert.Single(await gateway.WaitForLogsAsync(1)); // the refused call's row, charged nothing
        Assert.Equal((Balance, 0L), await BalanceAsync(gateway));
    }
}
