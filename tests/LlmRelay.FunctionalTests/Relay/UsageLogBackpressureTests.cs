using System.Runtime.CompilerServices;
using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// A stalled database and a tiny usage-log queue. By default (<c>UsageLogQueueFullMode</c> <c>Wait</c>) new calls wait for room
/// before anything is sent, so every served call has its row; in <c>Drop</c> mode requests never wait, and dropped rows still
/// settle their quota exactly once.
/// </summary>
public sealed class UsageLogBackpressureTests
{
    private const string Body = """{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"count me"}]}""";
    private const long Funded = 1_000_000;
    private const int Requests = 60;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(QuotaLedgerTests.Providers), MemberType = typeof(QuotaLedgerTests))]
    public async Task FullQueue_DropsRowsWithoutBlocking_AndStillSettlesEveryRequestExactlyOnce(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        await using var gateway = StalledGateway(upstream.BaseUrl, release.Task, new() { ["LlmRelay:UsageLogQueueCapacity"] = "2", ["LlmRelay:UsageLogQueueFullMode"] = "Drop" }, database.Settings);
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);
        var queue = gateway.Services.GetRequiredService<UsageLogQueue>();

        // The writer is stuck in the database: every request still answers at once.
        var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(_ => PostAsync(client)))
            .WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.All(responses, static r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // The writer holds one batch (at most the queue's capacity) inside the store; two more rows wait in the queue.
        await WaitUntilAsync(() => queue.Dropped + queue.Count >= Requests - 2);
        Assert.True(queue.Dropped >= Requests - 4, $"dropped {queue.Dropped}");
        Assert.True(queue.PendingSettlements <= 1); // One token: one pending settlement, however many rows were dropped.

        // Nothing was settled yet: every request still holds its reservation.
        Assert.True(await QuotaLedgerTests.RemainAsync(gateway) < Funded - (Requests * 16));
        release.SetResult();

        // Each request charged 16 (12 prompt + 4 completion tokens at ratio 1), whether its row was stored or dropped.
        await WaitUntilAsync(() => queue.Count == 0 && queue.PendingSettlements == 0);
        await WaitUntilAsync(async () => await QuotaLedgerTests.UsedAsync(gateway) == Requests * 16);
        Assert.Equal(Funded - (Requests * 16), await QuotaLedgerTests.RemainAsync(gateway));
        var stored = await gateway.WaitForLogsAsync(1);
        Assert.Equal(Requests - queue.Dropped, stored.Count);
    }

    [Theory]
    [MemberData(nameof(QuotaLedgerTests.Providers), MemberType = typeof(QuotaLedgerTests))]
    public async Task FullQueue_ByDefault_HoldsNewCallsBack_AndEveryServedCallHasItsRow(string provider)
    {
        const int requests = 20;
        await using var database = await TestDatabase.CreateAsync(provider);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        await using var gateway = StalledGateway(upstream.BaseUrl, release.Task, new() { ["LlmRelay:UsageLogQueueCapacity"] = "2", ["LlmRelay:UsageLogBatchSize"] = "1" }, database.Settings);
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);
        var queue = gateway.Services.GetRequiredService<UsageLogQueue>();

        // The writer is stuck in the database with the first row; the next two fill the queue. Every call after them waits
        // before anything is reserved or sent upstream.
        for (var i = 0; i < 3; i++)
        {
            using var served = await PostAsync(client).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            await WaitUntilAsync(() => queue.Count == i); // The first row is in the writer's held batch.
        }

        var calls = Enumerable.Range(3, requests - 3).Select(_ => PostAsync(client)).ToArray();
        await WaitUntilAsync(() => queue.Waiting == requests - 3);
        Assert.Equal(3, upstream.Requests.Count);
        Assert.Equal(0, queue.Dropped);

        release.SetResult();
        var responses = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.All(responses, static r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var stored = await gateway.WaitForLogsAsync(requests);
        Assert.Equal(requests, stored.Count);
        Assert.Equal(0, queue.Dropped);
        await WaitUntilAsync(async () => await QuotaLedgerTests.UsedAsync(gateway) == requests * 16);
        Assert.Equal(Funded - (requests * 16), await QuotaLedgerTests.RemainAsync(gateway));
    }

    [Fact]
    public async Task FullQueue_ByDefault_RefusesACallThatWaitedUsageLogQueueWait_With503_NothingSentNorCharged()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        await using var gateway = StalledGateway(upstream.BaseUrl, release.Task, new() { ["LlmRelay:UsageLogQueueCapacity"] = "1", ["LlmRelay:UsageLogBatchSize"] = "1", ["LlmRelay:UsageLogQueueWait"] = "00:00:05" }, services: services => services.AddSingleton<TimeProvider>(time));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);
        var queue = gateway.Services.GetRequiredService<UsageLogQueue>();

        // The first row is taken into the writer's held batch; the second fills the queue.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client)).StatusCode);
        await WaitUntilAsync(() => queue.Count == 0);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client)).StatusCode);
        await WaitUntilAsync(() => queue.Count == 1); // The row is queued as the call ends, which can be just after the caller has the answer.

        var third = PostAsync(client);
        await WaitUntilAsync(() => queue.Waiting == 1);
        time.Advance(TimeSpan.FromSeconds(5));
        using var refused = await third.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var error = System.Text.Json.Nodes.JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!["error"]!;
        Assert.Equal("usage_log_backlog", error["code"]!.GetValue<string>());
        Assert.Equal(2, upstream.Requests.Count);

        release.SetResult();
        var stored = await gateway.WaitForLogsAsync(2);
        Assert.Equal(2, stored.Count);
        await WaitUntilAsync(async () => await QuotaLedgerTests.UsedAsync(gateway) == 2 * 16);
        Assert.Equal(Funded - (2 * 16), await QuotaLedgerTests.RemainAsync(gateway));
    }

    [Fact]
    public async Task GracefulShutdown_StoresQueuedRowsAndPendingSettlements_AndTheCallStillInFlight()
    {
        var path = Path.Combine(Path.GetTempPath(), $"llmrelay-shutdown-{Guid.NewGuid():N}.db");
        try
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var calls = 0;
            var held = new StrongBox<int>();
            UsageLogQueue queue;
            await using var upstream = await MockUpstream.StartAsync(async (context, request) =>
            {
                if (Interlocked.Increment(ref calls) == Requests + 1)
                {
                    inFlight.SetResult(); // The last call waits at the upstream while the host stops.
                    await Task.Delay(500);
                }

                await MockUpstream.Json(FamilyUpstream.OpenAIJson)(context, request);
            });
            var gateway = new GatewayFactory(
                Settings.Merge(
                    Settings.Token(unlimited: false, remainQuota: Funded),
                    Settings.FlatPrice("gpt-4o"),
                    Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
                    new() { ["LlmRelay:UsageLogQueueCapacity"] = "2", ["LlmRelay:UsageLogQueueFullMode"] = "Drop", ["ConnectionStrings:LlmRelay"] = $"Data Source={path};Pooling=False" }),
                services => HeldUsageLogStore.Install(services, release.Task, held));
            await using (gateway)
            {
                gateway.Start();
                using var client = gateway.CreateGatewayClient(Settings.Key);
                queue = gateway.Services.GetRequiredService<UsageLogQueue>();
                await Task.WhenAll(Enumerable.Range(0, Requests).Select(_ => PostAsync(client)));
                // Every row is dropped, queued or in the writer's stalled batch, which can hold more rows than the queue's
                // capacity (rows queued while the writer reads join its batch).
                await WaitUntilAsync(() => queue.Dropped + queue.Count + Volatile.Read(ref held.Value) >= Requests);
                var last = PostAsync(client);
                await inFlight.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

                // Stop the host while the database is stalled and one call is in flight, then let the database recover.
                var stopping = gateway.DisposeAsync().AsTask();
                await Task.Delay(200, Ct);
                release.SetResult();
                Assert.Equal(HttpStatusCode.OK, (await last).StatusCode);
                await stopping.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            }

            // Read what the stopped gateway left in its database.
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT remain_quota, used_quota, (SELECT COUNT(*) FROM usage_logs) FROM tokens";
            await using var reader = await command.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            Assert.Equal((Funded - ((Requests + 1) * 16), (Requests + 1) * 16L), (reader.GetInt64(0), reader.GetInt64(1)));
            // Every row is stored or dropped (its quota settled all the same), none lost.
            Assert.Equal(Requests + 1, reader.GetInt64(2) + queue.Dropped);
            Assert.InRange(reader.GetInt64(2), 1, Requests / 2); // The rows the full queue and the stalled batch held.
        }
        finally
        {
            foreach (var suffix in (string[])["", "-wal", "-shm"])
            {
                File.Delete(path + suffix);
            }
        }
    }

    /// <summary>A gateway whose usage-log store holds every batch until <paramref name="release"/> completes.</summary>
    private static GatewayFactory StalledGateway(string upstreamUrl, Task release, Dictionary<string, string?> queue, Dictionary<string, string?>? database = null, Action<IServiceCollection>? services = null) =>
        new(
            Settings.Merge(
                Settings.Token(unlimited: false, remainQuota: Funded),
                Settings.FlatPrice("gpt-4o"),
                Settings.Channel(0, upstreamUrl, ["gpt-4o"]),
                queue,
                database ?? []),
            s =>
            {
                HeldUsageLogStore.Install(s, release);
                services?.Invoke(s);
            });

    private static Task<HttpResponseMessage> PostAsync(HttpClient client) =>
        client.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct);

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60); // generous: every reservation opens its own SQLite connection here (Pooling=False), slow under a full parallel test run
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the usage-log writer.");
            await Task.Delay(50, Ct);
        }
    }
}
