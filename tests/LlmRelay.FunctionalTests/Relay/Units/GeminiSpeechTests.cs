using System.Net;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using static LlmRelay.FunctionalTests.Relay.Units.UnitGateway;

namespace LlmRelay.FunctionalTests.Relay.Units;

/// <summary>/v1/audio/speech served by a Gemini TTS channel: generateContent with audio output, the inline PCM answered as WAV or PCM, the charge, failover, and the formats it cannot produce (issue #17).</summary>
/// <remarks>No recorded Gemini audio answer exists in the shared fixtures: the answers here follow Google's documented shape.</remarks>
public sealed class GeminiSpeechTests
{
    private const string Model = "gemini-2.5-flash-preview-tts";

    // Eight bytes of 16-bit little-endian PCM (four samples) and their base64.
    private static readonly byte[] Pcm = [0x01, 0x00, 0xFF, 0x7F, 0x00, 0x80, 0x10, 0x20];

    private const string PcmBase64 = "AQD/fwCAECA=";

    // RIFF, 44 - 8 + 8 bytes, WAVE, "fmt " of 16 bytes: PCM, 1 channel, 24,000 Hz, 48,000 bytes a second, 2-byte blocks, 16 bits; "data" of 8 bytes.
    private static readonly byte[] WavHeader =
    [
        (byte)'R', (byte)'I', (byte)'F', (byte)'F', 44, 0, 0, 0, (byte)'W', (byte)'A', (byte)'V', (byte)'E',
        (byte)'f', (byte)'m', (byte)'t', (byte)' ', 16, 0, 0, 0, 1, 0, 1, 0, 0xC0, 0x5D, 0, 0, 0x80, 0xBB, 0, 0, 2, 0, 16, 0,
        (byte)'d', (byte)'a', (byte)'t', (byte)'a', 8, 0, 0, 0,
    ];

    private static string Answer(string parts, int prompt = 7, int candidates = 120) => $$$"""
        {"candidates":[{"content":{"role":"model","parts":[{{{parts}}}]},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":{{{prompt}}},"candidatesTokenCount":{{{candidates}}},"totalTokenCount":{{{prompt + candidates}}},
           "promptTokensDetails":[{"modality":"TEXT","tokenCount":{{{prompt}}}}]},"modelVersion":"gemini-2.5-flash-preview-tts"}
        """;

    private static string AudioPart(string base64) => $$$"""{"inlineData":{"mimeType":"audio/L16;codec=pcm;rate=24000","data":"{{{base64}}}"}}""";

    private static Dictionary<string, string?> PerCharacter => new()
    {
        ["LlmRelay:Pricing:Models:gemini-tts:Unit"] = "Character",
        ["LlmRelay:Pricing:Models:gemini-tts:UnitPrice"] = "0.00002", // 20 USD per 1M characters: 10 quota a character
    };

    [Fact]
    public async Task Speech_GeminiChannel_SendsGenerateContentWithAudioOutput_AndAnswersWav_BilledPerCharacter()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer(AudioPart(PcmBase64))));
        await using var gateway = Start("default", PerCharacter, Channel(0, upstream.BaseUrl, ["gemini-tts"], type: "gemini", mapping: new() { ["gemini-tts"] = Model }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/speech", Json("""{"model":"gemini-tts","input":"The otter swims fast","voice":"alloy"}"""), Ct);

        var audio = await response.Content.ReadAsByteArrayAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, System.Text.Encoding.UTF8.GetString(audio));
        Assert.Equal("audio/wav", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(44 + 8, response.Content.Headers.ContentLength);
        Assert.Equal(WavHeader.Concat(Pcm).ToArray(), audio);
        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("POST", sent.Method);
        Assert.Equal($"/v1beta/models/{Model}:generateContent", sent.PathAndQuery);
        Assert.Equal(Settings.UpstreamKey, sent.Headers["x-goog-api-key"]);
        Assert.False(sent.Headers.ContainsKey("Authorization"));
        Assert.Equal(
            """{"contents":[{"parts":[{"text":"The otter swims fast"}]}],"generationConfig":{"responseModalities":["AUDIO"],"speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Kore"}}}}}""",
            sent.BodyText);
        var log = await AssertChargedAsync(gateway, 200, "character", 20, null, 0.00002); // 20 characters x 10
        Assert.Equal((7, 120), (log.PromptTokens, log.CompletionTokens));                  // Gemini's usage kept on the row
    }

    [Fact]
    public async Task Speech_GeminiChannel_PcmFormat_AnswersTheRawSamples_AndATokenPricedModelIsBilledByTheReportedTokens()
    {
        // Two audio parts, the second with JSON escapes ("\/" and "\u002B"), and a text part between: the samples are joined in order.
        var second = new byte[] { 0xFB, 0xFF, 0xBF, 0x3E };
        var secondBase64 = Convert.ToBase64String(second).Replace("/", "\\/", StringComparison.Ordinal).Replace("+", "\\u002B", StringComparison.Ordinal);
        Assert.Contains('\\', secondBase64);
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer($$"""{{AudioPart(PcmBase64)}},{"text":"(whispers)"},{{AudioPart(secondBase64)}}""", prompt: 14, candidates: 45)));
        await using var gateway = Start("default", Settings.FlatPrice("gemini-tts"), Channel(0, upstream.BaseUrl, ["gemini-tts"], type: "gemini", mapping: new() { ["gemini-tts"] = Model }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync(
            "/v1/audio/speech",
            Json("""{"model":"gemini-tts","input":"The otter swims fast","voice":"sulafat","response_format":"pcm","instructions":"Whisper softly."}"""),
            Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/pcm", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Pcm.Concat(second).ToArray(), await response.Content.ReadAsByteArrayAsync(Ct));
        var body = JsonNode.Parse(Assert.Single(upstream.Requests).Body)!;
        Assert.Equal("Whisper softly: The otter swims fast", body["contents"]![0]!["parts"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("Sulafat", body["generationConfig"]!["speechConfig"]!["voiceConfig"]!["prebuiltVoiceConfig"]!["voiceName"]!.GetValue<string>());
        var log = await AssertChargedAsync(gateway, 59, "character", 20, null, null); // 14 + 45 tokens at ratio 1; no per-character price.
        Assert.Equal((14, 45), (log.PromptTokens, log.CompletionTokens));
    }

    [Theory]
    [InlineData("mp3")]
    [InlineData("opus")]
    [InlineData("aac")]
    [InlineData("flac")]
    public async Task Speech_GeminiChannel_EncodedFormat_Is400InTheOpenAIShape_AndNothingIsSent(string format)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer(AudioPart(PcmBase64))));
        await using var gateway = Start("default", PerCharacter, Channel(0, upstream.BaseUrl, ["gemini-tts"], type: "gemini"));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/speech", Json($$"""{"model":"gemini-tts","input":"hi","voice":"Kore","response_format":"{{format}}"}"""), Ct);

        var error = await AssertRefusedAfterSelectionAsync(gateway, upstream, response);
        Assert.Equal("unsupported_response_format", error["code"]!.GetValue<string>());
        Assert.Contains($"'{format}'", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Speech_GeminiChannel_CustomVoice_Is400_AndNothingIsSent()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer(AudioPart(PcmBase64))));
        await using var gateway = Start("default", PerCharacter, Channel(0, upstream.BaseUrl, ["gemini-tts"], type: "gemini"));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/speech", Json("""{"model":"gemini-tts","input":"hi","voice":{"id":"voice_123"}}"""), Ct);

        var error = await AssertRefusedAfterSelectionAsync(gateway, upstream, response);
        Assert.Equal("unsupported_voice", error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Speech_GeminiChannelFails500_FailsOverToTheNextGeminiChannel_AndChargesOnce()
    {
        await using var broken = await MockUpstream.StartAsync(MockUpstream.Json("""{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL"}}""", status: 500));
        await using var good = await MockUpstream.StartAsync(MockUpstream.Json(Answer(AudioPart(PcmBase64))));
        await using var gateway = Start("default", PerCharacter,
            Channel(0, broken.BaseUrl, ["gemini-tts"], type: "gemini", name: "broken", priority: 10, mapping: new() { ["gemini-tts"] = Model }),
            Channel(1, good.BaseUrl, ["gemini-tts"], type: "gemini", name: "good", priority: 0, mapping: new() { ["gemini-tts"] = Model }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/speech", Json("""{"model":"gemini-tts","input":"The otter swims fast","voice":"alloy","response_format":"wav"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(WavHeader.Concat(Pcm).ToArray(), await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(Assert.Single(broken.Requests).BodyText, Assert.Single(good.Requests).BodyText); // The same converted body, sent again.
        var log = await AssertChargedAsync(gateway, 200, "character", 20, null, 0.00002);
        Assert.Equal("good", log.ChannelName);
    }

    [Fact]
    public async Task Speech_GeminiAnswerWithoutAudio_Is502_AndChargesNothing()
    {
        const string Blocked = """{"candidates":[{"finishReason":"OTHER","index":0}],"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7}}""";
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Blocked));
        await using var gateway = Start("default", PerCharacter, Channel(0, upstream.BaseUrl, ["gemini-tts"], type: "gemini"));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/speech", Json("""{"model":"gemini-tts","input":"hi","voice":"alloy"}"""), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.BadGateway);
        Assert.Equal("upstream_invalid_response", error["code"]!.GetValue<string>());
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(0, log.Quota);
        Assert.Equal((Balance, 0L), await BalanceAsync(gateway));
    }

    // The refusal comes once a Gemini channel is chosen (only then is it known the answer will be PCM): the reservation made
    // before is returned when the call ends, so the row is awaited before the balance is read.
    private static async Task<JsonNode> AssertRefusedAfterSelectionAsync(GatewayFactory gateway, MockUpstream upstream, HttpResponseMessage response)
    {
        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(0, log.Quota);
        Assert.Equal((Balance, 0L), await BalanceAsync(gateway));
        return error;
    }
}
