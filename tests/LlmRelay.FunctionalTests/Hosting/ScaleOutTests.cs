using System.Diagnostics;
using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;
using LlmRelay.FunctionalTests.Relay;
using LlmRelay.Templates.Tests.Infrastructure;

namespace LlmRelay.FunctionalTests.Hosting;

/// <summary>
/// Two gateway processes (the sample, <c>dotnet LlmRelay.Gateway.dll</c>) on one PostgreSQL database, told about each other's
/// changes by PostgreSQL LISTEN/NOTIFY or by Redis pub/sub, with one Data Protection key ring (issue #18): what the operator
/// does through A is what B serves within a second.
/// </summary>
public sealed partial class ScaleOutTests
{
    private const string Model = "scale-model";
    private const string UpstreamKey = "sk-upstream-typed-into-instance-a";
    private const string Body = """{"model":"scale-model","messages":[{"role":"user","content":"hi"}]}""";
    private const string WarmBody = """{"model":"warm-model","messages":[{"role":"user","content":"hi"}]}""";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Transports => ["postgres", "redis"];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task TwoInstances_OneDatabase_ChangesAndKeysMadeOnAServeOnB(string transport)
    {
        var redis = transport == "redis" ? RedisOrSkip() : null;
        await using var database = await TestDatabase.CreateAsync("postgres");
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        await WithTwoInstancesAsync(Environment(database, upstream.BaseUrl, redis), async (a, b) =>
        {
            using var relayB = RelayClient(b);
            Assert.NotEqual(HttpStatusCode.OK, await RelayAsync(relayB)); // no channel serves the model yet

            // Warm B's relay path up on a channel from configuration, so the timings below measure the change reaching B, not JIT.
            Assert.Equal(HttpStatusCode.OK, await RelayAsync(relayB, WarmBody));

            // A session cookie made by A is accepted by B.
            var (rootOnA, cookie) = await SetUpRootAsync(a);
            using var sessionOnB = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = b.BaseAddress };
            sessionOnB.DefaultRequestHeaders.Add("Cookie", cookie);
            var self = await new ApiClient(sessionOnB).SendAsync(HttpMethod.Get, "/api/user/self");
            Assert.True(self.Success, $"B refused A's session cookie: {self.Status} {self.Message}");
            Assert.Equal("root", self.Data!["username"]!.GetValue<string>());

            // A channel added through A serves on B within a second, with the key A encrypted, read by B.
            var created = await rootOnA.SendAsync(HttpMethod.Post, "/api/channel/", new { name = "added-on-a", type = "openai", base_url = upstream.BaseUrl, models = Model, key = UpstreamKey });
            Assert.True(created.Success, created.Message);
            var id = created.Data![0]!["id"]!.GetValue<long>();
            var served = await WithinAsync(async () => await RelayAsync(relayB) == HttpStatusCode.OK);
            Assert.True(served <= Within, $"B served the new channel only after {served}:\n{b.Output}");
            Assert.Equal($"Bearer {UpstreamKey}", upstream.Requests.Last().Headers["Authorization"]);

            // A channel disabled through A is not used by B within a second.
            var disabled = await rootOnA.SendAsync(HttpMethod.Put, "/api/channel/", new { id, status = 2 });
            Assert.True(disabled.Success, disabled.Message);
            var stopped = await WithinAsync(async () => await RelayAsync(relayB) != HttpStatusCode.OK);
            Assert.True(stopped <= Within, $"B still used the disabled channel after {stopped}:\n{b.Output}");
            var sent = upstream.Requests.Count;
            Assert.NotEqual(HttpStatusCode.OK, await RelayAsync(relayB));
            Assert.Equal(sent, upstream.Requests.Count);
        });
    }

    /// <summary>Starts instances A and B of the sample gateway on <paramref name="environment"/>, runs <paramref name="test"/>, and stops them.</summary>
    private static async Task WithTwoInstancesAsync(Dictionary<string, string?> environment, Func<AppProcess, AppProcess, Task> test)
    {
        var directory = Directory.CreateTempSubdirectory("llmrelay-scale-out-");
        AppProcess? a = null;
        AppProcess? b = null;
        try
        {
            a = await SampleGateway.StartAsync(directory.FullName, environment);
            b = await SampleGateway.StartAsync(directory.FullName, environment);
            await test(a, b);
        }
        finally
        {
            if (b is not null)
            {
                await b.DisposeAsync();
            }

            if (a is not null)
            {
                await a.DisposeAsync();
            }

            directory.Delete(recursive: true);
        }
    }

    /// <summary>Returns a client of <paramref name="instance"/>'s relay API with the test's gateway key.</summary>
    private static HttpClient RelayClient(AppProcess instance)
    {
        var client = new HttpClient { BaseAddress = instance.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Settings.Key);
        return client;
    }

    private static string RedisOrSkip()
    {
        var redis = System.Environment.GetEnvironmentVariable("LLMRELAY_TEST_REDIS");
        if (string.IsNullOrWhiteSpace(redis))
        {
            Assert.False(System.Environment.GetEnvironmentVariable("CI") == "true", "CI must provide LLMRELAY_TEST_REDIS (see .ci/run).");
            Assert.Skip("Redis tests need LLMRELAY_TEST_REDIS (export LLMRELAY_TEST_REDIS=\"$(bash eng/start-redis.sh | tail -n 1)\").");
        }

        return redis;
    }

    private static Dictionary<string, string?> Environment(TestDatabase database, string upstream, string? redis)
    {
        var settings = Settings.Merge(
            database.Settings,
            Settings.Token(),
            Settings.Channel(0, upstream, ["warm-model"], name: "warm", apiKey: "sk-warm"),
            new()
            {
                ["LlmRelay:DataProtection:Keys"] = redis is null ? "Database" : "Redis",
                ["LlmRelay:DataProtection:ApplicationName"] = "llmrelay-scale-out-test",
                ["LlmRelay:Outbound:AllowPrivateAddresses"] = "true", // the mock upstream listens on loopback
                ["Logging:LogLevel:Default"] = "Warning",
            });
        if (redis is not null)
        {
            settings["ConnectionStrings:Redis"] = redis;
        }

        return settings.ToDictionary(static s => s.Key.Replace(":", "__", StringComparison.Ordinal), static s => s.Value);
    }

    private static async Task<(ApiClient Root, string Cookie)> SetUpRootAsync(AppProcess a)
    {
        var cookies = new CookieContainer();
        var root = new ApiClient(new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = a.BaseAddress, Timeout = TimeSpan.FromSeconds(30) });
        var setup = await root.SendAsync(HttpMethod.Post, "/api/setup", new { username = "root", password = ManagementHarness.RootPassword });
        Assert.True(setup.Success, setup.Message);
        var login = await root.SendAsync(HttpMethod.Post, "/api/user/login", new { username = "root", password = ManagementHarness.RootPassword });
        Assert.True(login.Success, login.Message);
        return (root, cookies.GetCookieHeader(a.BaseAddress));
    }

    private static async Task<HttpStatusCode> RelayAsync(HttpClient relay, string body = Body)
    {
        using var response = await relay.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        return response.StatusCode;
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms and returns how long it took to hold (failing after 30 s).</summary>
    private static async Task<TimeSpan> WithinAsync(Func<Task<bool>> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "The change never reached the other instance.");
            await Task.Delay(20, Ct);
        }

        return watch.Elapsed;
    }
}
