using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;
using LlmRelay.Templates.Tests.Infrastructure;
using Npgsql;

namespace LlmRelay.FunctionalTests.Hosting;

/// <summary>An instance killed with SIGKILL mid-load (issue #18): what the callers saw succeed is billed once, nothing stays reserved, the other instance serves on.</summary>
public sealed partial class ScaleOutTests
{
    private const string LimitedModel = "kill-model";
    private const string KillBody = """{"model":"kill-model","max_tokens":10,"messages":[{"role":"user","content":"count me"}]}""";
    private const string KillStreamBody = """{"model":"kill-model","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"count me"}]}""";
    private const long Granted = 10_000_000;

    [Fact]
    public async Task TwoInstances_OneKilledMidLoad_EverySuccessBilledOnce_NoReservationLeaks_AndTheOtherServesOn()
    {
        await using var database = await TestDatabase.CreateAsync("postgres");

        // Every third call is slow, so some are in flight on A when it dies; the others answer at once.
        var seen = 0;
        await using var upstream = await MockUpstream.StartAsync(async (context, request) =>
        {
            if (Interlocked.Increment(ref seen) % 3 == 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return; // The gateway that sent it died.
                }
            }

            var stream = request.BodyText.Contains("\"stream\":true", StringComparison.Ordinal);
            await (stream ? MockUpstream.Sse(FamilyUpstream.OpenAIStream, chunkSize: 64) : MockUpstream.Json(FamilyUpstream.OpenAIJson))(context, request);
        });

        var environment = Environment(database, upstream.BaseUrl, redis: null);
        foreach (var (key, value) in Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: Granted),
            Settings.FlatPrice(LimitedModel),
            Settings.Channel(1, upstream.BaseUrl, [LimitedModel], name: "limited", apiKey: "sk-limited"),
            new()
            {
                // A dead instance's reservations are released a second after its last heartbeat, instead of two minutes.
                ["LlmRelay:Quota:InstanceHeartbeat"] = "00:00:00.200",
                ["LlmRelay:Quota:InstanceLease"] = "00:00:01",

                // Without it, rows queued in memory when A dies are lost and their reservations returned: answered, unbilled.
                ["LlmRelay:Quota:HoldAnswerUntilLogged"] = "true",
            }))
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var directory = Directory.CreateTempSubdirectory("llmrelay-kill-");
        AppProcess? a = null;
        AppProcess? b = null;
        AppProcess? restarted = null;
        try
        {
            a = await SampleGateway.StartAsync(directory.FullName, environment);
            b = await SampleGateway.StartAsync(directory.FullName, environment);
            using var relayA = RelayClient(a);
            using var relayB = RelayClient(b);
            var load = new KillLoad();

            // Load on both; A is killed once it has answered 60 calls, with slow calls still in flight on it.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var callers = Enumerable.Range(0, 16).Select(i => load.RunAsync(i % 2 == 0 ? relayA : relayB, i % 2 == 0 ? "a" : "b", i % 4 < 2 ? KillBody : KillStreamBody, killed.Task, stop.Token)).ToList();
            var watch = Stopwatch.StartNew();
            while (load.Succeeded("a") < 60)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"A answered only {load.Succeeded("a")} calls:\n{a.Output}");
                await Task.Delay(10, Ct);
            }

            var inFlightOnA = load.InFlight("a");
            await a.DisposeAsync(); // Process.Kill: SIGKILL on Linux.
            a = null;
            killed.SetResult();
            var atKill = load.Succeeded("b");

            // B keeps serving while A is gone and while its reservations are taken over.
            watch.Restart();
            while (load.Succeeded("b") < atKill + 60)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"B stopped serving after A died ({load.Succeeded("b") - atKill} calls):\n{b.Output}");
                await Task.Delay(10, Ct);
            }

            await stop.CancelAsync();
            await Task.WhenAll(callers);
            Assert.Empty(load.FailuresOn("b"));

            // A comes back (a new instance) and serves.
            restarted = await SampleGateway.StartAsync(directory.FullName, environment);
            using (var relayRestarted = RelayClient(restarted))
            {
                Assert.Equal(HttpStatusCode.OK, await RelayAsync(relayRestarted, KillBody));
            }

            Assert.Equal(HttpStatusCode.OK, await RelayAsync(relayB, KillBody));

            // Nothing stays reserved: the dead instance's records were released, the live ones' settled.
            var connection = new NpgsqlConnectionStringBuilder(database.Settings["ConnectionStrings:LlmRelay"]).ConnectionString;
            await using var db = new NpgsqlConnection(connection);
            await db.OpenAsync(Ct);
            watch.Restart();
            while (await ScalarAsync(db, "SELECT coalesce(sum(amount), 0)::bigint FROM quota_reservations") != 0)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"Reservations still held 30 s after the load:\n{restarted.Output}\n{b.Output}");
                await Task.Delay(50, Ct);
            }

            // Every call the callers saw succeed has exactly one usage-log row; two more for the calls after the restart.
            var succeeded = load.SucceededIds();
            var rows = new Dictionary<string, (long Count, long Quota)>();
            await using (var command = new NpgsqlCommand("SELECT request_id, count(*), sum(quota)::bigint FROM usage_logs WHERE model_name = $1 GROUP BY request_id", db) { Parameters = { new() { Value = LimitedModel } } })
            await using (var reader = await command.ExecuteReaderAsync(Ct))
            {
                while (await reader.ReadAsync(Ct))
                {
                    rows[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
                }
            }

            var missing = succeeded.Where(id => !rows.ContainsKey(id)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {succeeded.Count} calls the callers saw succeed have no usage-log row ({inFlightOnA} were in flight on A at the kill): {string.Join(", ", missing.Take(10))}");
            Assert.All(succeeded, id => Assert.Equal(1, rows[id].Count));
            Assert.All(succeeded, id => Assert.True(rows[id].Quota > 0, $"{id} was not charged."));

            // The token was charged exactly what the rows say, and what it was granted is remain + used: nothing leaked.
            var charged = await ScalarAsync(db, "SELECT coalesce(sum(quota), 0)::bigint FROM usage_logs WHERE model_name = 'kill-model'");
            var used = await ScalarAsync(db, "SELECT used_quota FROM tokens WHERE NOT unlimited_quota");
            var remain = await ScalarAsync(db, "SELECT remain_quota FROM tokens WHERE NOT unlimited_quota");
            Assert.Equal(charged, used);
            Assert.Equal(Granted, remain + used);
        }
        finally
        {
            foreach (var instance in new[] { restarted, b, a })
            {
                if (instance is not null)
                {
                    await instance.DisposeAsync();
                }
            }

            directory.Delete(recursive: true);
        }
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
    }

    /// <summary>The load's callers and what each instance answered them.</summary>
    private sealed class KillLoad
    {
        private readonly ConcurrentDictionary<string, int> _succeeded = new();
        private readonly ConcurrentDictionary<string, int> _inFlight = new();
        private readonly ConcurrentBag<string> _ids = [];
        private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _failures = new();

        public int Succeeded(string instance) => _succeeded.GetValueOrDefault(instance);

        public int InFlight(string instance) => _inFlight.GetValueOrDefault(instance);

        public List<string> SucceededIds() => [.. _ids];

        public List<string> FailuresOn(string instance) => [.. _failures.GetValueOrDefault(instance) ?? []];

        /// <summary>Calls <paramref name="relay"/> until <paramref name="stop"/>; calls to a killed instance stop once it is gone.</summary>
        public async Task RunAsync(HttpClient relay, string instance, string body, Task killed, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested && !(instance == "a" && killed.IsCompleted))
            {
                _inFlight.AddOrUpdate(instance, 1, static (_, n) => n + 1);
                try
                {
                    using var response = await relay.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), CancellationToken.None);
                    var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.OK && Complete(text))
                    {
                        _ids.Add(response.Headers.GetValues("X-Request-Id").Single());
                        _succeeded.AddOrUpdate(instance, 1, static (_, n) => n + 1);
                    }
                    else
                    {
                        _failures.GetOrAdd(instance, static _ => []).Add($"{(int)response.StatusCode}: {text}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
                {
                    // A call cut off by the kill: the caller saw no success.
                    _failures.GetOrAdd(instance, static _ => []).Add(ex.Message);
                }
                finally
                {
                    _inFlight.AddOrUpdate(instance, 0, static (_, n) => n - 1);
                }
            }
        }

        // A whole answer: the JSON object, or a stream that reached [DONE].
        private static bool Complete(string text)
        {
            if (text.TrimEnd().EndsWith("data: [DONE]", StringComparison.Ordinal))
            {
                return true;
            }

            try
            {
                return JsonNode.Parse(text)?["choices"] is JsonArray { Count: > 0 };
            }
            catch (System.Text.Json.JsonException)
            {
                return false;
            }
        }
    }
}
