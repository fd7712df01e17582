using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LlmRelay.Storage.EfCore.Internal;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LlmRelay.Storage.EfCore.Tests;

/// <summary>The usage-log writer on a real database: rows the database refuses, and outages.</summary>
public sealed class UsageLogWriterDatabaseTests
{
    private const string Secret = "secret-content-do-not-log";
    private const long InitialQuota = 1_000_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Provider, how the row is made unacceptable, and what the logged reason must name.</summary>
    public static TheoryData<string, string, string> Poisons => new()
    {
        { TestDatabase.Sqlite, "null-model", "model_name" },          // NOT NULL: SQLITE_CONSTRAINT
        { TestDatabase.PostgreSql, "null-model", "23502" },           // NOT NULL violation
        { TestDatabase.PostgreSql, "huge-model", "54000" },           // index row larger than a btree page allows
        // (A lone surrogate is no longer refused: both stores keep U+FFFD for it, see UsageRollupTests.TextThatCannotBeStoredAsSent_KeysTheRollupAsStored.)
    };

    [Theory]
    [MemberData(nameof(Poisons))]
    public async Task RefusedRow_IsRejected_EveryOtherRowStored_QuotaExact_LaterBatchesWritten(string provider, string poison, string reason)
    {
        var logs = new CapturingLoggerProvider();
        await using var database = await TestDatabase.CreateAsync(provider, configure: s => s.AddSingleton<ILoggerProvider>(logs));
        using var counters = new Counters(database.Services);
        var (user, token) = await AddUserAndTokenAsync(database);
        var queue = database.Services.GetRequiredService<UsageLogQueue>();
        var writer = database.Services.GetRequiredService<UsageLogWriter>();

        // Queued before the writer starts, so they are one batch.
        var rows = Enumerable.Range(0, 20).Select(i => Row(user, token, i)).ToList();
        var refused = rows[7];
        refused.Content = Secret;
        switch (poison)
        {
            case "null-model":
                refused.ModelName = null!;
                break;
            default:
                refused.ModelName = string.Concat(Enumerable.Range(0, 320).Select(static _ => Guid.NewGuid().ToString("N")));
                break;
        }

        rows.ForEach(queue.Enqueue);
        await writer.StartAsync(Ct);
        await WaitUntilAsync(() => writer.Written == 19 && counters.Sum("llmrelay.usage_log.rows_rejected") == 1);

        var later = Row(user, token, 20);
        queue.Enqueue(later);
        rows.Add(later);
        await WaitUntilAsync(() => writer.Written == 20);
        await writer.StopAsync(Ct);

        var stored = await StoredRequestIdsAsync(database, token.Id);
        Assert.Equal(rows.Where(r => r != refused).Select(static r => r.RequestId).Order(), stored.Order());
        Assert.Equal(0, refused.Id);
        await AssertSettledAsync(database, user, token, rows);
        Assert.Equal(1, counters.Sum("llmrelay.usage_log.rows_rejected"));
        Assert.Equal(0, counters.Sum("llmrelay.usage_log.write_failures"));

        var warning = Assert.Single(logs.Entries, static e => e.Event.Id == 1004);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(refused.RequestId, warning.Text, StringComparison.Ordinal);
        Assert.Contains($"token {token.Id}", warning.Text, StringComparison.Ordinal);
        Assert.Contains(reason, warning.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, static e => e.Text.Contains(Secret, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Outage_IsRetried_UntilTheDatabaseIsBack_WithoutLosingOrRejectingRows(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, sqliteBusyTimeoutSeconds: 1);
        using var counters = new Counters(database.Services);
        var (user, token) = await AddUserAndTokenAsync(database);
        var queue = database.Services.GetRequiredService<UsageLogQueue>();
        var writer = database.Services.GetRequiredService<UsageLogWriter>();
        var rows = Enumerable.Range(0, 10).Select(i => Row(user, token, i)).ToList();

        await using (var outage = await Outage.StartAsync(database))
        {
            rows.ForEach(queue.Enqueue);
            await writer.StartAsync(Ct);
            await WaitUntilAsync(() => counters.Sum("llmrelay.usage_log.write_failures") >= 2, TimeSpan.FromSeconds(30));
            Assert.Equal(0, writer.Written);
        }

        await WaitUntilAsync(() => writer.Written == 10, TimeSpan.FromSeconds(30));
        await writer.StopAsync(Ct);

        Assert.Equal(rows.Select(static r => r.RequestId).Order(), (await StoredRequestIdsAsync(database, token.Id)).Order());
        await AssertSettledAsync(database, user, token, rows);
        Assert.Equal(0, counters.Sum("llmrelay.usage_log.rows_rejected"));
    }

    private static UsageLog Row(RelayUser user, ApiToken token, int i)
    {
        var row = TestData.Consume(token, quota: 100 + i);
        row.UserId = user.Id;
        row.ReservedQuota = 150;
        row.Type = i % 5 == 4 ? UsageLogType.Error : UsageLogType.Consume; // error rows only return their reservation
        row.RequestId = $"req-{Guid.NewGuid():N}";
        return row;
    }

    private static async Task<(RelayUser User, ApiToken Token)> AddUserAndTokenAsync(TestDatabase database)
    {
        var user = new RelayUser { Username = TestData.Unique("u"), Quota = InitialQuota, AffCode = TestData.Unique("aff"), CreatedAt = TestData.Time };
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUserStore>().AddAsync(user, Ct);
        }

        var token = TestData.Token(remainQuota: InitialQuota);
        token.UserId = user.Id;
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ITokenStore>().AddAsync(token, Ct);
        }

        return (user, token);
    }

    /// <summary>Every row, stored or rejected, moved the token and its user exactly once.</summary>
    private static async Task AssertSettledAsync(TestDatabase database, RelayUser user, ApiToken token, IReadOnlyList<UsageLog> rows)
    {
        var charged = rows.Where(static r => r.Type == UsageLogType.Consume).Sum(static r => r.Quota);
        var reserved = rows.Sum(static r => r.ReservedQuota);
        var requests = rows.Count(static r => r.Type == UsageLogType.Consume);
        await using var scope = database.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
        var storedToken = await db.Tokens.AsNoTracking().SingleAsync(t => t.Id == token.Id, Ct);
        var storedUser = await db.Users.AsNoTracking().SingleAsync(u => u.Id == user.Id, Ct);
        Assert.Equal((InitialQuota - charged + reserved, charged), (storedToken.RemainQuota, storedToken.UsedQuota));
        // The reservation was taken from the user as from the token, and comes back to both.
        Assert.Equal((InitialQuota - charged + reserved, charged, (long)requests), (storedUser.Quota, storedUser.UsedQuota, storedUser.RequestCount));
    }

    private static async Task<List<string>> StoredRequestIdsAsync(TestDatabase database, long tokenId)
    {
        await using var scope = database.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>().UsageLogs.Where(l => l.TokenId == tokenId).Select(static l => l.RequestId).ToListAsync(Ct);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out.");
            await Task.Delay(20, Ct);
        }
    }

    /// <summary>Sums the measurements of this container's <c>LlmRelay</c> counters (other tests create their own meters in parallel).</summary>
    private sealed class Counters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _sums = new();

        public Counters(IServiceProvider services)
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Meter.Name == UsageLogMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, _, _) => _sums.AddOrUpdate(i.Name, v, (_, sum) => sum + v));
            _ = services.GetRequiredService<UsageLogMetrics>();
            _listener.Start();
        }

        public long Sum(string name) => _sums.GetValueOrDefault(name);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Makes the database unavailable until disposed: SQLite locked by another writer; PostgreSQL refusing connections, its sessions ended.</summary>
    private sealed class Outage : IAsyncDisposable
    {
        private readonly Func<ValueTask> _end;

        private Outage(Func<ValueTask> end) => _end = end;

        public static async Task<Outage> StartAsync(TestDatabase database)
        {
            if (database.Provider == TestDatabase.Sqlite)
            {
                var locker = new SqliteConnection(database.ConnectionString);
                await locker.OpenAsync(Ct);
                await ExecuteAsync(locker, "BEGIN IMMEDIATE");
                return new Outage(async () =>
                {
                    await ExecuteAsync(locker, "ROLLBACK");
                    await locker.DisposeAsync();
                });
            }

            var name = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;
            var admin = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
            await AdminAsync(admin, $"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false");
            await AdminAsync(admin, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
            return new Outage(async () => await AdminAsync(admin, $"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"));
        }

        public ValueTask DisposeAsync() => _end();

        private static async Task AdminAsync(string connectionString, string sql)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(Ct);
            await ExecuteAsync(connection, sql);
        }

        private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(Ct);
        }
    }
}
