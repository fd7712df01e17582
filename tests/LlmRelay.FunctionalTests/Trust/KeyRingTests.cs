using System.Collections.Concurrent;
using System.Net;
using System.Text;
using LlmRelay.Channels;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;
using LlmRelay.FunctionalTests.Relay;
using LlmRelay.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.FunctionalTests.Trust;

/// <summary>A restart without the Data Protection key ring that encrypted the channel keys fails loudly instead of relaying without credentials.</summary>
public sealed class KeyRingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RestartWithAnotherKeyRing_IsNotReady_LogsTheCause_AndNeverSendsAnEmptyKey()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        var database = Path.Combine(Path.GetTempPath(), $"llmrelay-keyring-{Guid.NewGuid():N}.db");
        var settings = Settings.Merge(Settings.Token(), new() { ["ConnectionStrings:LlmRelay"] = $"Data Source={database};Pooling=false" });
        try
        {
            // First run: a channel whose key is encrypted with this run's key ring.
            await using (var first = new GatewayFactory(settings, static services => services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider())))
            {
                first.Start();
                using var scope = first.Services.CreateScope();
                await scope.ServiceProvider.GetRequiredService<IChannelStore>().AddAsync(
                    new RelayChannel { Name = "stored", BaseUrl = upstream.BaseUrl, Keys = [Settings.UpstreamKey], Models = ["gpt-4o"] }, Ct);
            }

            // Second run: another key ring (as after a restart that lost the persisted one).
            var logs = new CapturingLogger();
            await using var second = new GatewayFactory(settings, services =>
            {
                services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
                services.AddSingleton<ILoggerProvider>(logs);
            });
            second.Start();

            using var http = new HttpClient { BaseAddress = second.BaseAddress };
            using var ready = await http.GetAsync("/readyz", Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains(logs.Entries, static e => e.Level == LogLevel.Error && e.Text.Contains("Data Protection key ring", StringComparison.Ordinal) && e.Text.Contains("stored", StringComparison.Ordinal));

            using var client = second.CreateGatewayClient(Settings.Key);
            using var response = await client.PostAsync("/v1/chat/completions", new StringContent(WireSamples.ChatRequest, Encoding.UTF8, "application/json"), Ct);
            Assert.False(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
            Assert.Empty(upstream.Requests);

            // The management API shows why the channel is not used, and its test call does not go out either.
            var root = new ApiClient(new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = second.BaseAddress });
            Assert.True((await root.SendAsync(HttpMethod.Post, "/api/setup", new { username = "root", password = ManagementHarness.RootPassword })).Success);
            Assert.True((await root.SendAsync(HttpMethod.Post, "/api/user/login", new { username = "root", password = ManagementHarness.RootPassword })).Success);
            var list = await root.SendAsync(HttpMethod.Get, "/api/channel/");
            var view = list.Data!["items"]!.AsArray().Single()!;
            Assert.Contains("cannot be decrypted", view["key_error"]!.GetValue<string>(), StringComparison.Ordinal);
            var id = view["id"]!.GetValue<long>();
            var test = await root.SendAsync(HttpMethod.Get, $"/api/channel/test/{id}");
            Assert.Contains("cannot be decrypted", test.Text, StringComparison.Ordinal);
            var models = await root.SendAsync(HttpMethod.Get, $"/api/channel/fetch_models/{id}");
            Assert.False(models.Success);
            Assert.Empty(upstream.Requests);

            // Re-entering the key makes the channel usable and the gateway ready again.
            var updated = await root.SendAsync(HttpMethod.Put, "/api/channel/", new { id, key = Settings.UpstreamKey });
            Assert.True(updated.Success, updated.Message);
            using var readyAgain = await http.GetAsync("/readyz", Ct);
            Assert.Equal(HttpStatusCode.OK, readyAgain.StatusCode);
            using var relayed = await client.PostAsync("/v1/chat/completions", new StringContent(WireSamples.ChatRequest, Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.OK, relayed.StatusCode);
            Assert.Equal("Bearer " + Settings.UpstreamKey, Assert.Single(upstream.Requests).Headers["Authorization"]);
        }
        finally
        {
            foreach (var suffix in (string[])["", "-wal", "-shm"])
            {
                File.Delete(database + suffix);
            }
        }
    }

    private sealed class CapturingLogger : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Text)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));

        public void Dispose()
        {
        }
    }
}
