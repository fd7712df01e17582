using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Hosting;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;
using LlmRelay.Templates.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// The gateway as a real process, killed with SIGKILL while calls are in flight: the quota those calls held reserved is
/// returned to the token and its user by the restarted gateway once the dead instance's lease has run out.
/// </summary>
public sealed class CrashRecoveryTests
{
    private const string Body = """{"model":"gpt-4o","max_tokens":1000,"messages":[{"role":"user","content":"hold me"}]}""";
    private const int Calls = 10;
    private const long TokenQuota = 1_000_000;
    private const long UserQuota = 10_000_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sigkill_WithTenCallsHeldAtTheUpstream_TheRestartedGatewayReturnsTheirReservations_ToTheTokenAndTheUser()
    {
        var directory = Directory.CreateTempSubdirectory("llmrelay-sigkill-");
        var database = Path.Combine(directory.FullName, "relay.db");
        await using var upstream = await MockUpstream.StartAsync(static async (context, _) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted); // held until the gateway dies and its connection with it
            }
            catch (OperationCanceledException)
            {
            }
        });
        var environment = GatewayEnvironment(database, upstream.BaseUrl);
        AppProcess? gateway = null;
        try
        {
            gateway = await SampleGateway.StartAsync(directory.FullName, environment);
            var (tokenId, userId, key) = await CreateUserAndTokenAsync(gateway);
            Assert.Equal((TokenQuota, UserQuota), await BalancesAsync(database, tokenId, userId));

            using var relay = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
            relay.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            var calls = Enumerable.Range(0, Calls).Select(_ => relay.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct)).ToList();
            await upstream.WaitForRequestsAsync(Calls);

            // Process.Kill is SIGKILL on Linux: no shutdown hook, no settlement, the ten reservations stay taken.
            await gateway.DisposeAsync();
            gateway = null;
            foreach (var call in calls)
            {
                await Assert.ThrowsAnyAsync<HttpRequestException>(() => call);
            }

            var (token, user) = await BalancesAsync(database, tokenId, userId);
            var taken = TokenQuota - token;
            Assert.True(taken > 0 && taken % Calls == 0, $"The ten calls reserved {taken} quota from the token.");
            Assert.Equal(taken, UserQuota - user);
            var (dead, recorded) = Assert.Single(await RecordsAsync(database));
            Assert.Equal(taken, recorded);

            // Restarted on the same database: once the dead instance's 3-second lease has run out, a sweep returns it all.
            gateway = await SampleGateway.StartAsync(directory.FullName, environment);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (await BalancesAsync(database, tokenId, userId) != (TokenQuota, UserQuota))
            {
                Assert.True(DateTime.UtcNow < deadline, $"The balances are {await BalancesAsync(database, tokenId, userId)}, not ({TokenQuota}, {UserQuota}):\n{gateway.Output}");
                await Task.Delay(100, Ct);
            }

            Assert.Equal((TokenQuota, UserQuota), await BalancesAsync(database, tokenId, userId));
            Assert.DoesNotContain(await RecordsAsync(database), r => r.Instance == dead);
            Assert.True(await IsReleasedAsync(database, dead));

            // The restarted gateway serves calls, and charges them as usual.
            upstream.Handler = MockUpstream.Json(FamilyUpstream.OpenAIJson);
            using var served = await relay.PostAsync(new Uri(gateway.BaseAddress, "/v1/chat/completions"), new StringContent(Body, Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Contains(FamilyUpstream.Text, await served.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        finally
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }

            SqliteConnection.ClearAllPools();
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The gateway's settings as environment variables (<c>LlmRelay__Channels__0__BaseUrl</c>, ...).</summary>
    private static Dictionary<string, string?> GatewayEnvironment(string database, string upstream)
    {
        var settings = Settings.Merge(
            Settings.Channel(0, upstream, ["gpt-4o"]),
            new()
            {
                ["LlmRelay:Database:Provider"] = "sqlite",
                ["ConnectionStrings:LlmRelay"] = $"Data Source={database}",
                ["LlmRelay:Outbound:AllowPrivateAddresses"] = "true", // the mock upstream listens on loopback
                ["LlmRelay:Quota:InstanceHeartbeat"] = "00:00:01",
                ["LlmRelay:Quota:InstanceLease"] = "00:00:03",
                ["Logging:LogLevel:Default"] = "Warning",
            });
        return settings.ToDictionary(static s => s.Key.Replace(":", "__", StringComparison.Ordinal), static s => s.Value);
    }

    /// <summary>Sets up root, creates a user with quota and a limited key of theirs, through the child's management API.</summary>
    private static async Task<(long TokenId, long UserId, string Key)> CreateUserAndTokenAsync(AppProcess gateway)
    {
        ApiClient Client() => new(new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = gateway.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        });

        async Task<ApiClient> LoginAsync(string username, string password)
        {
            var client = Client();
            var login = await client.SendAsync(HttpMethod.Post, "/api/user/login", new { username, password });
            Assert.True(login.Success, login.Message);
            return client;
        }

        var setup = await Client().SendAsync(HttpMethod.Post, "/api/setup", new { username = "root", password = ManagementHarness.RootPassword });
        Assert.True(setup.Success, setup.Message);
        var root = await LoginAsync("root", ManagementHarness.RootPassword);
        var user = await root.SendAsync(HttpMethod.Post, "/api/user/", new { username = "alice", password = ManagementHarness.UserPassword, quota = UserQuota });
        Assert.True(user.Success, user.Message);
        var alice = await LoginAsync("alice", ManagementHarness.UserPassword);
        var token = await alice.SendAsync(HttpMethod.Post, "/api/token/", new { name = "alice-key", remain_quota = TokenQuota, unlimited_quota = false });
        Assert.True(token.Success, token.Message);
        return (token.Data!["id"]!.GetValue<long>(), user.Data!["id"]!.GetValue<long>(), token.Data["key"]!.GetValue<string>());
    }

    private static async Task<(long Token, long User)> BalancesAsync(string database, long tokenId, long userId)
    {
        await using var connection = await OpenAsync(database);
        return (await ScalarAsync(connection, $"SELECT remain_quota FROM tokens WHERE id = {tokenId}"), await ScalarAsync(connection, $"SELECT quota FROM users WHERE id = {userId}"));
    }

    private static async Task<List<(long Instance, long Amount)>> RecordsAsync(string database)
    {
        await using var connection = await OpenAsync(database);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT instance_id, sum(amount) FROM quota_reservations GROUP BY instance_id";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var records = new List<(long, long)>();
        while (await reader.ReadAsync(Ct))
        {
            records.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        return records;
    }

    private static async Task<bool> IsReleasedAsync(string database, long instance)
    {
        await using var connection = await OpenAsync(database);
        return await ScalarAsync(connection, $"SELECT released FROM relay_instances WHERE id = {instance}") == 1;
    }

    private static async Task<SqliteConnection> OpenAsync(string database)
    {
        var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync(Ct);
        return connection;
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }
}
