using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Pricing;
using LlmRelay.Storage;
using LlmRelay.Tokenization;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Two gateway hosts on one PostgreSQL database: quota reservations and settlements stay exact with several writers (issue #18).</summary>
public sealed class MultiHostQuotaTests
{
    private const string Body = """{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"count me"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static long Reservation => QuotaCalculator.EstimateReservation(ITokenCounter.EstimateFromBytes(Encoding.UTF8.GetByteCount(Body)), 10, new ModelPrice(), 1);

    [Fact]
    public async Task TwoHosts_200ConcurrentCalls_At50CallsOfQuota_NeverOverdraw_ChargeExactly_AndLogOneRowPerSuccess()
    {
        await using var database = await TestDatabase.CreateAsync("postgres");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await MockUpstream.StartAsync(async (context, request) =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await MockUpstream.Json(FamilyUpstream.OpenAIJson)(context, request);
        });
        var settings = GatewaySettings(database, upstream, 50 * Reservation);
        await using var first = new GatewayFactory(settings);
        first.Start();
        await using var second = new GatewayFactory(settings);
        second.Start();
        using var a = first.CreateGatewayClient(Settings.Key);
        using var b = second.CreateGatewayClient(Settings.Key);

        var calls = Enumerable.Range(0, 200).Select(i => (i % 2 == 0 ? a : b).PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct)).ToList();

        // 150 are refused for quota while the 50 that reserved wait at the upstream: both hosts together reserved exactly 50.
        await QuotaLedgerTests.TakeRefusalsAsync(calls, 150);
        await upstream.WaitForRequestsAsync(50);
        Assert.Equal(50, upstream.Requests.Count);
        Assert.Equal(0, await QuotaLedgerTests.RemainAsync(first));
        release.SetResult();
        var succeeded = (await Task.WhenAll(calls)).Count(static r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(50, succeeded);

        // Both hosts write their rows into the one database; each settled its own reservations to the real charge.
        var logs = await first.WaitForLogsAsync(50);
        await second.WaitForLogsAsync(50);
        Assert.Equal(50, logs.Count);
        Assert.All(logs, static l => Assert.Equal(16, l.Quota));
        var remain = await QuotaLedgerTests.RemainAsync(second);
        Assert.Equal((50 * Reservation) - (50 * 16), remain);
        Assert.Equal(50 * 16, await QuotaLedgerTests.UsedAsync(first));
    }

    [Fact]
    public async Task Throughput_OneHostVsTwo_OnOneTokenRow_IsMeasured_AndChargedExactly()
    {
        await using var database = await TestDatabase.CreateAsync("postgres");
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        const int Calls = 400;
        const int Parallel = 32;
        const string UnlimitedKey = "sk-test-unlimited-0123456789abcdefghij";
        var settings = Settings.Merge(GatewaySettings(database, upstream, 1_000_000_000), Settings.Token(UnlimitedKey, "unlimited", unlimited: true, index: 1));

        // Pooled, as a deployment runs: TestDatabase turns pooling off, which would measure connection set-up instead.
        settings["ConnectionStrings:LlmRelay"] = new Npgsql.NpgsqlConnectionStringBuilder(settings["ConnectionStrings:LlmRelay"]) { Pooling = true }.ConnectionString;
        await using var first = new GatewayFactory(settings);
        first.Start();
        await using var second = new GatewayFactory(settings);
        second.Start();
        using var a = first.CreateGatewayClient(Settings.Key);
        using var b = second.CreateGatewayClient(Settings.Key);

        await RunAsync([a, b], 40, Parallel); // Warm both hosts (connections, JIT, caches).
        var oneHost = await RunAsync([a], Calls, Parallel);
        var twoHosts = await RunAsync([a, b], Calls, Parallel);

        // The same calls with a key that reserves nothing: what the gateway does without the token row's conditional update.
        using var ua = first.CreateGatewayClient(UnlimitedKey);
        using var ub = second.CreateGatewayClient(UnlimitedKey);
        var unreserved = await RunAsync([ua, ub], Calls, Parallel);

        var total = (2 * Calls) + 40;
        await WaitForRowCountAsync(first, total + Calls);
        var line = string.Create(CultureInfo.InvariantCulture, $"One token row, {Calls} calls, {Parallel} in flight: 1 host {oneHost:F0} calls/s, 2 hosts {twoHosts:F0} calls/s; 2 hosts with a key that reserves nothing {unreserved:F0} calls/s.");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("LLMRELAY_MEASURE_OUT") is { Length: > 0 } path)
        {
            await File.AppendAllTextAsync(path, line + Environment.NewLine, Ct);
        }
        Assert.Equal(total * 16L, await QuotaLedgerTests.UsedAsync(first));
        Assert.Equal(1_000_000_000 - (total * 16L), await QuotaLedgerTests.RemainAsync(second));
    }

    private static async Task WaitForRowCountAsync(GatewayFactory gateway, long count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        long rows;
        do
        {
            using var scope = gateway.Services.CreateScope();
            rows = (await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().QueryAsync(new UsageLogQuery { PageSize = 1 }, Ct)).Total;
            if (rows >= count)
            {
                break;
            }

            await Task.Delay(100, Ct);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(count, rows);
    }

    private static Dictionary<string, string?> GatewaySettings(TestDatabase database, MockUpstream upstream, long quota) => Settings.Merge(
        Settings.Token(unlimited: false, remainQuota: quota),
        Settings.FlatPrice("gpt-4o"),
        Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
        database.Settings);

    // Sends `calls` calls, `parallel` at a time, spread over the clients in turn; returns calls per second.
    private static async Task<double> RunAsync(HttpClient[] clients, int calls, int parallel)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                using var response = await clients[i % clients.Length].PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }));
        return calls / clock.Elapsed.TotalSeconds;
    }
}
