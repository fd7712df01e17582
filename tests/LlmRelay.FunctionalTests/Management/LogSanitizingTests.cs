using System.Net;
using System.Net.Http.Json;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>Caller- and upstream-controlled text reaches the log with its control characters escaped (issue #13, item 18).</summary>
public sealed class LogSanitizingTests
{
    // ESC starting an ANSI sequence, CR LF forging a second log line, NUL, a C1 control (NEL) and a bidi override.
    // Short enough for a user name (32 characters).
    private const string Hostile = "ev\u001b[31m\r\nINFO x\u0000\u0085\u202Eend";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void AssertClean(string text)
    {
        Assert.DoesNotContain(text, static c => char.IsControl(c) || c is '\u202E');
        Assert.Contains("ev\\u001B[31m\\r\\nINFO x\\u0000\\u0085\\u202Eend", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedSignIn_LogsTheUserNameEscaped()
    {
        var logs = new CapturingLoggerProvider();
        await using var gateway = new GatewayFactory([], services => services.AddSingleton<ILoggerProvider>(logs));
        gateway.Start();
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        using var response = await http.PostAsJsonAsync("/api/user/login", new { username = Hostile, password = "wrong-password" }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var entry = Assert.Single(logs.Entries, static e => e.Event.Id == 3002);
        AssertClean(entry.Text);
    }

    [Fact]
    public async Task UpstreamErrorMessage_IsLoggedEscaped()
    {
        var logs = new CapturingLoggerProvider();
        var body = System.Text.Json.JsonSerializer.Serialize(new { error = new { message = Hostile, type = "server_error" } });
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(body, 500));
        await using var gateway = new GatewayFactory(
            Settings.Merge(Settings.Token(), Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])),
            services => services.AddSingleton<ILoggerProvider>(logs));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(WireSamples.ChatRequest, System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.False(response.IsSuccessStatusCode);
        var entries = logs.Entries.Where(static e => e.Event.Id == 2001).ToList();
        Assert.NotEmpty(entries);
        Assert.All(entries, static e => AssertClean(e.Text));
    }
}
