using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using static LlmRelay.FunctionalTests.Relay.Units.UnitGateway;

namespace LlmRelay.FunctionalTests.Relay.Units;

/// <summary>Multipart uploads streamed through the gateway rather than held whole: the size checked before anything is sent, every byte forwarded, failover resending the buffered upload, estimated seconds flagged (issue #17).</summary>
/// <remarks>whisper-1 is priced 0.006 USD a minute: 50 quota a second.</remarks>
public sealed class UploadStreamingTests
{
    [Fact]
    public async Task Transcriptions_30MBUpload_ReachesTheUpstreamWhole_AndIsBilledByTheEstimatedSeconds()
    {
        const int Size = 30 * 1024 * 1024;
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"text":"A long otter."}"""));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["whisper-1"]), Limits(64 * 1024 * 1024));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/transcriptions", Upload(new PatternStream(Size)), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var fields = await ReadFormAsync(Assert.Single(upstream.Requests));
        var file = fields["file"];
        Assert.Equal(Size, file.Length);
        Assert.True(PatternStream.Matches(file), "The upstream received other bytes than the caller sent.");
        Assert.Equal("whisper-1", Encoding.UTF8.GetString(fields["model"]));
        var seconds = (Size + 15_999L) / 16_000; // one second per started 16,000 bytes
        var log = await AssertChargedAsync(gateway, seconds * 50, "second", seconds, null, 0.006 / 60);
        Assert.Equal("estimated", JsonNode.Parse(log.Other.ToJson())!["usage"]?.GetValue<string>());
    }

    [Fact]
    public async Task Transcriptions_DurationReported_IsNotFlaggedEstimated()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"task":"transcribe","duration":4.2,"text":"An otter."}"""));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["whisper-1"]));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/transcriptions", Upload(new MemoryStream(new byte[40_000]), ("response_format", "verbose_json")), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var log = await AssertChargedAsync(gateway, 250, "second", 5, null, 0.006 / 60);
        Assert.Null(JsonNode.Parse(log.Other.ToJson())!["usage"]);
    }

    [Fact]
    public async Task Transcriptions_ContentLengthOverTheBodyLimit_Is413BeforeTheBodyIsRead()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"text":""}"""));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["whisper-1"]), Limits(1024 * 1024));
        using var client = gateway.CreateGatewayClient(Settings.Key);
        var content = Upload(new PatternStream(2 * 1024 * 1024));
        await content.LoadIntoBufferAsync(Ct); // Content-Length known: the gateway refuses on the header.

        using var response = await client.PostAsync("/v1/audio/transcriptions", content, Ct);

        var error = await AssertRefusedAsync(gateway, upstream, response, HttpStatusCode.RequestEntityTooLarge, null);
        Assert.Equal("request_too_large", error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Transcriptions_ChunkedUploadWithAFileOverTheLimit_Is413_AndNothingIsSent()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"text":""}"""));
        await using var gateway = Start("default", Channel(0, upstream.BaseUrl, ["whisper-1"]), Limits(8 * 1024 * 1024), new() { ["LlmRelay:MaxUploadFileSize"] = "1000000" });
        using var client = gateway.CreateGatewayClient(Settings.Key);

        // No Content-Length (a stream of unknown length is sent chunked): the file is counted while it is read.
        using var response = await client.PostAsync("/v1/audio/transcriptions", Upload(new PatternStream(1_000_001, seekable: false)), Ct);

        var error = await AssertRefusedAsync(gateway, upstream, response, HttpStatusCode.RequestEntityTooLarge, "file");
        Assert.Equal("file_too_large", error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Transcriptions_FailoverResendsTheBufferedUpload_ByteForByte()
    {
        const int Size = 3 * 1024 * 1024; // past the in-memory threshold: the second channel reads it back from the temporary file
        await using var broken = await MockUpstream.StartAsync(MockUpstream.Json("""{"error":{"message":"overloaded","type":"server_error"}}""", status: 503));
        await using var good = await MockUpstream.StartAsync(MockUpstream.Json("""{"duration":2.0,"text":"An otter."}"""));
        await using var gateway = Start("default",
            Channel(0, broken.BaseUrl, ["whisper-1"], name: "broken", priority: 10),
            Channel(1, good.BaseUrl, ["whisper-1"], name: "good", priority: 0));
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/audio/transcriptions", Upload(new PatternStream(Size, seekable: false), ("response_format", "verbose_json")), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var upstream in new[] { broken, good })
        {
            var file = (await ReadFormAsync(Assert.Single(upstream.Requests)))["file"];
            Assert.Equal(Size, file.Length);
            Assert.True(PatternStream.Matches(file));
        }

        await AssertChargedAsync(gateway, 100, "second", 2, null, 0.006 / 60);
    }

    private static Dictionary<string, string?> Limits(long body) => new()
    {
        ["LlmRelay:MaxRequestBodySize"] = body.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LlmRelay:MaxUploadFileSize"] = body.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static MultipartFormDataContent Upload(Stream audio, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new StreamContent(audio);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/mpeg");
        form.Add(file, "file", "long.mp3");
        form.Add(new StringContent("whisper-1"), "model");
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }
}
