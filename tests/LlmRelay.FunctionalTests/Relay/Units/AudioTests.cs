using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static LlmRelay.FunctionalTests.Relay.Units.UnitGateway;

namespace LlmRelay.FunctionalTests.Relay.Units;

/// <summary>/v1/audio/speech, /v1/audio/transcriptions and /v1/audio/translations on the relay pipeline: the audio streamed through, the per-character and per-second charges, failover, bad input (issue #17).</summary>
/// <remarks>Built-in prices: tts-1 15 USD per 1M characters (7.5 quota a character), whisper-1 0.006 USD a minute (50 quota a second); 500,000 quota per USD.</remarks>
public sealed class AudioTests
{
    private const string Speech = """{"model":"tts-1","input":"The otter swims fast","voice":"alloy","response_format":"mp3","speed":1.25}""";

    private static readonly byte[] Audio = Enumerable.Range(0, 40_000).Select(static i => (byte)(i * 7)).ToArray(); // 3 estimated seconds (16,000 bytes a second)

    [Fact]
    public async Task Speech_StreamsTheAudioAsItArrives_AndBillsPerCharacter()
    {
        var first = Enumerable.Range(0, 5000).Select(static i => (byte)i).ToArray();
        var second = Enumerable.Range(0, 7000).Select(static i => (byte)(i * 3)).ToArray();
        var firstChunkRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waitedInVain = false;
        await using var upstream = await MockUpstream.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "audio/mpeg";
            await context.Response.Body.WriteAsync(first);
            await context.Response.Body.FlushAsync();
            // The rest is written only once the caller has the first chunk: a gateway that buffered the whole answer would wait here in vain.
            try
            {
                await firstChunkRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                waitedInVain = true;
            }

            await context.Response.Body.WriteAsync(second);
        });
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["tts-1"], mapping: new() { ["tts-1"] = "upstream-tts" }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech") { Content = Json(Speech) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType!.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (received.Length < first.Length)
        {
            var read = await stream.ReadAsync(buffer, Ct);
            Assert.True(read > 0, "The audio ended before its first chunk arrived.");
            received.Write(buffer, 0, read);
        }

        firstChunkRead.SetResult();
        await stream.CopyToAsync(received, Ct);
        Assert.False(waitedInVain, "The upstream had to finish before the caller got its first chunk.");
        Assert.Equal(first.Concat(second).ToArray(), received.ToArray());
        var sent = JsonNode.Parse(Assert.Single(upstream.Requests).Body)!;
        Assert.Equal("upstream-tts", sent["model"]!.GetValue<string>());
        Assert.Equal("alloy", sent["voice"]!.GetValue<string>());
        Assert.Equal(1.25, sent["speed"]!.GetValue<double>());
        await AssertChargedAsync(gateway, 150, "character", 20, null, 15.0 / 1_000_000); // 20 characters x 7.5
    }

    [Fact]
    public async Task Speech_CountsCharactersNotBytes_AndTheGroupRatioApplies()
    {
        await using var upstream = await MockUpstream.StartAsync(AudioAnswer([1, 2, 3]));
        await using var gateway = Start("vip", Channel(0, upstream.BaseUrl, ["tts-1-hd"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        // 10 characters (two of them 3-byte CJK, one a 4-byte emoji) x 30 USD per 1M x 500,000 x 1.5 = 225.
        using var response = await client.PostAsync("/v1/audio/speech", Json("""{"model":"tts-1-hd","input":"水獭 swims!🦦","voice":"nova"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([1, 2, 3], await response.Content.ReadAsByteArrayAsync(Ct));
        await AssertChargedAsync(gateway, 225, "character", 10, null, 30.0 / 1_000_000);
    }

    [Fact]
    public async Task Speech_ModelNotPricedPerCharacter_IsBilledByTokensEstimatedFromTheInput()
    {
        await using var upstream = await MockUpstream.StartAsync(AudioAnswer([9, 9]));
        await using var gateway = Start("default", Settings.FlatPrice("token-tts"), Channel(0, upstream.BaseUrl, ["token-tts"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/speech", Json("""{"model":"token-tts","input":"The otter swims fast","voice":"alloy"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.True(log.PromptTokens > 0);
        Assert.Equal(0, log.CompletionTokens); // Audio is not text: nothing counted from the answer.
        Assert.Equal(log.PromptTokens, log.Quota);
        Assert.Equal("estimated", JsonNode.Parse(log.Other.ToJson())!["usage"]?.GetValue<string>());
    }

    [Theory]
    [InlineData("verbose_json", """{"task":"transcribe","language":"english","duration":7.4,"text":"An otter.","segments":[]}""", "application/json", 8)] // 7.4 s -> 8
    [InlineData("json", """{"text":"An otter.","usage":{"type":"duration","seconds":5}}""", "application/json", 5)]                          // Whisper's usage.seconds
    [InlineData("json", """{"text":"An otter."}""", "application/json", 3)]                                                                   // estimated: 40,000 bytes
    [InlineData("text", "An otter.\n", "text/plain; charset=utf-8", 3)]
    [InlineData("srt", "1\n00:00:00,000 --> 00:00:02,000\nAn otter.\n", "text/plain; charset=utf-8", 3)]
    public async Task Transcriptions_PassTheUploadThrough_AndBillPerSecond(string format, string answer, string contentType, long seconds)
    {
        await using var upstream = await MockUpstream.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(answer);
        });
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["whisper-1"], mapping: new() { ["whisper-1"] = "upstream-whisper" }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/transcriptions", AudioForm(("response_format", format), ("language", "en")), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(answer, await response.Content.ReadAsStringAsync(Ct));
        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/audio/transcriptions", sent.PathAndQuery);
        var fields = await ReadFormAsync(sent);
        Assert.Equal(Audio, fields["file"]);
        Assert.Equal("upstream-whisper", Encoding.UTF8.GetString(fields["model"]));
        Assert.Equal(format, Encoding.UTF8.GetString(fields["response_format"]));
        Assert.Equal("en", Encoding.UTF8.GetString(fields["language"]));
        await AssertChargedAsync(gateway, seconds * 50, "second", seconds, null, 0.006 / 60);
    }

    [Fact]
    public async Task Transcriptions_TokenPricedModel_IsBilledByTheUsageTokensReported()
    {
        const string Answer = """{"text":"An otter.","usage":{"type":"tokens","input_tokens":14,"input_token_details":{"text_tokens":0,"audio_tokens":14},"output_tokens":45,"total_tokens":59}}""";
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Answer));
        await using var gateway = Start("default", Settings.FlatPrice("gpt-4o-transcribe"), Channel(0, upstream.BaseUrl, ["gpt-4o-transcribe"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/transcriptions", AudioForm(("model", "gpt-4o-transcribe")), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var log = await AssertChargedAsync(gateway, 59, "second", 3, null, null); // 14 + 45 at ratio 1; no per-second price.
        Assert.Equal((14, 45), (log.PromptTokens, log.CompletionTokens));
    }

    [Fact]
    public async Task Translations_AzureChannel_UsesTheDeploymentsUrl_AndBillsTheDuration()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"task":"translate","language":"german","duration":61.02,"text":"An otter."}"""));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl + "/?api-version=2024-10-21", ["whisper-1"], type: "azure", mapping: new() { ["whisper-1"] = "my-whisper" }));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/translations", AudioForm(("response_format", "verbose_json")), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("/openai/deployments/my-whisper/audio/translations?api-version=2024-10-21", sent.PathAndQuery);
        Assert.Equal(Settings.UpstreamKey, sent.Headers["api-key"]);
        await AssertChargedAsync(gateway, 62 * 50, "second", 62, null, 0.006 / 60);
    }

    [Fact]
    public async Task Transcriptions_FailingChannel_FailsOverToTheNext_AndChargesOnce()
    {
        await using var broken = await MockUpstream.StartAsync(MockUpstream.Json("""{"error":{"message":"overloaded","type":"server_error"}}""", status: 503));
        await using var good = await MockUpstream.StartAsync(MockUpstream.Json("""{"duration":2.0,"text":"An otter."}"""));
        await using var gateway = Start("default",
            Channel(0, broken.BaseUrl, ["whisper-1"], name: "broken", priority: 10),
            Channel(1, good.BaseUrl, ["whisper-1"], name: "good", priority: 0));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/transcriptions", AudioForm(("response_format", "verbose_json")), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Audio, (await ReadFormAsync(Assert.Single(broken.Requests)))["file"]);
        Assert.Equal(Audio, (await ReadFormAsync(Assert.Single(good.Requests)))["file"]); // The same upload, sent again whole.
        var log = await AssertChargedAsync(gateway, 100, "second", 2, null, 0.006 / 60);
        Assert.Equal("good", log.ChannelName);
    }

    [Fact]
    public async Task Speech_FailingChannel_FailsOverToTheNext_AndChargesOnce()
    {
        await using var broken = await MockUpstream.StartAsync(MockUpstream.Json("""{"error":{"message":"overloaded","type":"server_error"}}""", status: 500));
        await using var good = await MockUpstream.StartAsync(AudioAnswer([4, 5, 6]));
        await using var gateway = Start("default",
            Channel(0, broken.BaseUrl, ["tts-1"], name: "broken", priority: 10),
            Channel(1, good.BaseUrl, ["tts-1"], name: "good", priority: 0));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/speech", Json(Speech), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([4, 5, 6], await response.Content.ReadAsByteArrayAsync(Ct));
        var log = await AssertChargedAsync(gateway, 150, "character", 20, null, 15.0 / 1_000_000);
        Assert.Equal("good", log.ChannelName);
    }

    [Theory]
    [InlineData("""{"model":"tts-1","voice":"alloy"}""", "input")]
    [InlineData("""{"model":"tts-1","input":"","voice":"alloy"}""", "input")]
    [InlineData("""{"model":"tts-1","input":"hi"}""", "voice")]
    [InlineData("""{"model":"tts-1","input":"hi","voice":"alloy","response_format":"ogg"}""", "response_format")]
    [InlineData("""{"model":"tts-1","input":"hi","voice":"alloy","speed":9}""", "speed")]
    [InlineData("""{"model":"tts-1","input":"hi",""", null)]
    public async Task Speech_BadInput_Is400InTheOpenAIShape_AndNothingIsSent(string json, string? param)
    {
        await using var upstream = await MockUpstream.StartAsync(AudioAnswer([1]));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["tts-1"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/speech", Json(json), Ct);

        await AssertRefusedAsync(gateway, upstream, response, HttpStatusCode.BadRequest, param);
    }

    [Fact]
    public async Task Speech_InputOver4096Characters_Is400_AndNothingIsSent()
    {
        await using var upstream = await MockUpstream.StartAsync(AudioAnswer([1]));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["tts-1"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/speech", Json($$"""{"model":"tts-1","input":"{{new string('a', 4097)}}","voice":"alloy"}"""), Ct);

        await AssertRefusedAsync(gateway, upstream, response, HttpStatusCode.BadRequest, "input");
    }

    [Theory]
    [InlineData("/v1/audio/transcriptions")]
    [InlineData("/v1/audio/translations")]
    public async Task Transcriptions_MissingFile_Is400_AndNothingIsSent(string path)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"text":""}"""));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["whisper-1"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync(path, Form(("model", "whisper-1"u8.ToArray(), null), ("language", "en"u8.ToArray(), null)), Ct);

        await AssertRefusedAsync(gateway, upstream, response, HttpStatusCode.BadRequest, "file");
    }

    [Theory]
    [InlineData("/v1/audio/transcriptions", "mp3")]
    [InlineData("/v1/audio/translations", "diarized_json")] // Transcriptions only.
    public async Task Transcriptions_UnknownResponseFormat_Is400_AndNothingIsSent(string path, string format)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"text":""}"""));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["whisper-1"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync(path, AudioForm(("response_format", format)), Ct);

        await AssertRefusedAsync(gateway, upstream, response, HttpStatusCode.BadRequest, "response_format");
    }

    [Theory]
    [InlineData("/v1/audio/transcriptions", """{"model":"whisper-1","file":"aGVsbG8="}""", "application/json")]
    [InlineData("/v1/audio/speech", "model=tts-1&input=hi&voice=alloy", "application/x-www-form-urlencoded")]
    public async Task WrongContentType_Is415_AndNothingIsSent(string path, string body, string contentType)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"text":""}"""));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["whisper-1", "tts-1"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("unsupported_media_type", error["code"]!.GetValue<string>());
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Transcriptions_FileOverMaxUploadFileSize_Is413InTheOpenAIShape_AndNothingIsSent()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"text":""}"""));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["whisper-1"]), new() { ["LlmRelay:MaxUploadFileSize"] = "39999" });
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/transcriptions", AudioForm(), Ct);

        var error = await AssertRefusedAsync(gateway, upstream, response, HttpStatusCode.RequestEntityTooLarge, "file");
        Assert.Equal("file_too_large", error["code"]!.GetValue<string>());
    }

    // An upload of Audio as "otter.mp3" with model whisper-1 (unless a field says otherwise) and the given fields.
    private static MultipartFormDataContent AudioForm(params (string Name, string Value)[] fields)
    {
        var parts = new List<(string Name, byte[] Content, string? FileName)> { ("file", Audio, "otter.mp3") };
        if (!fields.Any(static f => f.Name == "model"))
        {
            parts.Add(("model", "whisper-1"u8.ToArray(), null));
        }

        parts.AddRange(fields.Select(static f => (f.Name, Encoding.UTF8.GetBytes(f.Value), (string?)null)));
        return FormOf("audio/mpeg", [.. parts]);
    }

    private static Func<HttpContext, RecordedRequest, Task> AudioAnswer(byte[] audio) => async (context, _) =>
    {
        context.Response.ContentType = "audio/mpeg";
        await context.Response.Body.WriteAsync(audio);
    };
}
