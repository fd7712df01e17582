using System.Net;
using System.Text;
using LlmRelay.Configuration;
using LlmRelay.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Diagnostics;

public sealed class UpstreamCaptureLogTests
{
    private const string Key = "sk-channel-secret-0123456789";

    private static (UpstreamCaptureLog Log, FakeTimeProvider Time) CreateSut(bool enabled = true, int limit = 20, int maxBodyBytes = 64 * 1024)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var options = new LlmRelayOptions { Captures = { Enabled = enabled, Limit = limit, MaxBodyBytes = maxBodyBytes } };
        return (new UpstreamCaptureLog(Options.Create(options), time), time);
    }

    private static HttpRequestMessage Request(string url = "https://api.example.com/v1/chat/completions")
    {
        var message = new HttpRequestMessage(HttpMethod.Post, url);
        message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Key);
        message.Headers.TryAddWithoutValidation("x-goog-api-key", Key);
        message.Headers.TryAddWithoutValidation("api-key", Key);
        message.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        return message;
    }

    [Fact]
    public void IsEnabled_ByDefault_IsFalse()
    {
        var log = new UpstreamCaptureLog(Options.Create(new LlmRelayOptions()), TimeProvider.System);

        Assert.False(log.IsEnabled);
        Assert.Equal(20, log.Limit);
        Assert.Equal(65536, log.MaxBodyBytes);
        Assert.Empty(log.List());
    }

    [Fact]
    public void Begin_CredentialHeadersAndKeyQueryParameters_AreRedacted()
    {
        var (log, _) = CreateSut();
        using var message = Request($"https://generativelanguage.googleapis.com/v1beta/models/g:generateContent?alt=sse&key={Key}&access_token=tok123&api-key=x");
        log.Begin(7, "gemini", Key, message, Encoding.UTF8.GetBytes("{\"echo\":\"" + Key + "\"}"));

        var capture = Assert.Single(log.List());
        Assert.Equal("https://generativelanguage.googleapis.com/v1beta/models/g:generateContent?alt=sse&key=[redacted]&access_token=[redacted]&api-key=[redacted]", capture.Url);
        var headers = capture.RequestHeaders.ToDictionary(static h => h.Key, static h => h.Value, StringComparer.OrdinalIgnoreCase);
        Assert.Equal("[redacted]", headers["Authorization"]);
        Assert.Equal("[redacted]", headers["x-goog-api-key"]);
        Assert.Equal("[redacted]", headers["api-key"]);
        Assert.Equal("2023-06-01", headers["anthropic-version"]);
        Assert.Equal("{\"echo\":\"[redacted]\"}", capture.RequestBody);
        Assert.False(capture.Completed);
        Assert.Null(capture.StatusCode);
    }

    [Fact]
    public async Task TrackAsync_AnswerRead_RecordsStatusHeadersBodyUpToTheCapAndTiming()
    {
        var (log, time) = CreateSut(maxBodyBytes: 5);
        using var message = Request();
        var recording = log.Begin(1, "a", Key, message, "0123456789"u8.ToArray());
        time.Advance(TimeSpan.FromMilliseconds(120));
        var answer = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("hello world", Encoding.UTF8, "text/plain") };
        answer.Headers.TryAddWithoutValidation("Set-Cookie", "session=abc");
        answer.Headers.TryAddWithoutValidation("x-request-id", "req-1");

        using var response = await recording.TrackAsync(Task.FromResult(answer));
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal("hello world", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);

        var capture = Assert.Single(log.List());
        Assert.Equal(200, capture.StatusCode);
        Assert.Equal("01234", capture.RequestBody);
        Assert.True(capture.RequestBodyTruncated);
        Assert.Equal(10, capture.RequestBodyLength);
        Assert.Equal("hello", capture.ResponseBody);
        Assert.Equal(11, capture.ResponseBodyLength);
        Assert.True(capture.ResponseBodyTruncated);
        Assert.Equal(TimeSpan.FromMilliseconds(120), capture.TimeToHeaders);
        Assert.Equal(TimeSpan.FromMilliseconds(150), capture.Duration);
        Assert.True(capture.Completed);
        var headers = capture.ResponseHeaders.ToDictionary(static h => h.Key, static h => h.Value, StringComparer.OrdinalIgnoreCase);
        Assert.Equal("[redacted]", headers["Set-Cookie"]);
        Assert.Equal("req-1", headers["x-request-id"]);
    }

    [Fact]
    public async Task TrackAsync_SendFails_RecordsTheErrorAndRethrows()
    {
        var (log, _) = CreateSut();
        using var message = Request();
        var recording = log.Begin(1, "a", Key, message, default);

        await Assert.ThrowsAsync<HttpRequestException>(() => recording.TrackAsync(Task.FromException<HttpResponseMessage>(new HttpRequestException("connection refused"))));

        var capture = Assert.Single(log.List());
        Assert.True(capture.Completed);
        Assert.Null(capture.StatusCode);
        Assert.Equal("HttpRequestException: connection refused", capture.Error);
    }

    [Fact]
    public void Begin_OverTheLimit_DropsTheOldest_ListIsNewestFirst_AndClearEmpties()
    {
        var (log, _) = CreateSut(limit: 2);
        for (var channel = 1; channel <= 3; channel++)
        {
            using var message = Request();
            log.Begin(channel, "c" + channel, Key, message, default);
        }

        Assert.Equal([3L, 2L], log.List().Select(static c => c.Id));
        Assert.Equal(3, Assert.Single(log.List(channelId: 3)).ChannelId);
        Assert.Empty(log.List(channelId: 1));
        Assert.Equal(2, log.Clear());
        Assert.Empty(log.List());
    }
}
