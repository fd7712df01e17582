using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace LlmRelay.Benchmarks;

/// <summary>
/// The queries behind <c>GET /api/log/</c> (first and last page, with and without filters) and <c>GET /api/log/stat</c>
/// on a <c>usage_logs</c> table of 1,000,000 rows, on SQLite and PostgreSQL (issue #5; target: under 100 ms per page or stat).
/// </summary>
/// <remarks>
/// The table is filled once and kept: SQLite with one prepared INSERT in one transaction, in the temp directory
/// (<c>llmrelay-bench-logs-1m.db</c>); PostgreSQL with one binary COPY into the database <c>llmrelay_bench_logs_1m</c>
/// (see <see cref="BenchDatabases"/>), then <c>VACUUM ANALYZE</c>, which autovacuum would do on its own after such an
/// insert. Both get the same rows: 30 days, 500 users, 1,000 token names, 6 models and 20 channels; 95% are consume
/// rows, 5% errors.
/// Run: <c>dotnet run -c Release --project bench/LlmRelay.Benchmarks -- --filter '*UsageLogQuery*'</c>
/// (<c>--anyCategories sqlite</c> or <c>postgres</c> is not needed: the provider is a parameter).
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class UsageLogQueryBenchmarks
{
    private const int Rows = 1_000_000;
    private const int PageSize = 20;
    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash", "deepseek-chat", "o3-mini"];
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Gets or sets the database engine: <c>sqlite</c> or <c>postgres</c>.</summary>
    [Params("sqlite", "postgres")]
    public string Provider { get; set; } = "sqlite";

    private ServiceProvider _services = null!;
    private IServiceScope _scope = null!;
    private IUsageLogQueries _queries = null!;
    private long _total;
    private long _modelTotal;
    private long _userTotal;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        var path = BenchDatabases.SqlitePath("llmrelay-bench-logs-1m");
        var postgres = Provider == "postgres" ? BenchDatabases.PostgreSqlAsync("llmrelay_bench_logs_1m", recreate: false).GetAwaiter().GetResult() : null;
        if (postgres is null)
        {
            services.AddLlmRelay().AddSqliteStores($"Data Source={path}");
        }
        else
        {
            services.AddLlmRelay().AddPostgreSqlStores(postgres);
        }

        _services = services.BuildServiceProvider();
        using (var scope = _services.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<IRelayDatabase>().MigrateAsync().GetAwaiter().GetResult();
        }

        if (postgres is null)
        {
            FillSqlite(path);
        }
        else
        {
            FillPostgreSqlAsync(postgres).GetAwaiter().GetResult();
        }

        _scope = _services.CreateScope();
        _queries = _scope.ServiceProvider.GetRequiredService<IUsageLogQueries>();
        _total = _queries.QueryAsync(new UsageLogFilter(), 1, 1).GetAwaiter().GetResult().Total;
        _modelTotal = _queries.QueryAsync(new UsageLogFilter { ModelName = "claude-sonnet-4-5" }, 1, 1).GetAwaiter().GetResult().Total;
        _userTotal = _queries.QueryAsync(new UsageLogFilter { UserId = 42 }, 1, 1).GetAwaiter().GetResult().Total;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Dispose();
        _services.Dispose();
    }

    [Benchmark(Description = "page 1, no filter")]
    public Task<UsageLogPage> FirstPage() => _queries.QueryAsync(new UsageLogFilter(), 1, PageSize);

    [Benchmark(Description = "last page, no filter")]
    public Task<UsageLogPage> LastPage() => _queries.QueryAsync(new UsageLogFilter(), LastPageOf(_total), PageSize);

    [Benchmark(Description = "middle page, no filter")]
    public Task<UsageLogPage> MiddlePage() => _queries.QueryAsync(new UsageLogFilter(), LastPageOf(_total) / 2, PageSize);

    [Benchmark(Description = "page 1, model_name")]
    public Task<UsageLogPage> FirstPageByModel() => _queries.QueryAsync(new UsageLogFilter { ModelName = "claude-sonnet-4-5" }, 1, PageSize);

    [Benchmark(Description = "last page, model_name")]
    public Task<UsageLogPage> LastPageByModel() => _queries.QueryAsync(new UsageLogFilter { ModelName = "claude-sonnet-4-5" }, LastPageOf(_modelTotal), PageSize);

    [Benchmark(Description = "page 1, self (user_id)")]
    public Task<UsageLogPage> FirstPageByUser() => _queries.QueryAsync(new UsageLogFilter { UserId = 42 }, 1, PageSize);

    [Benchmark(Description = "last page, self (user_id)")]
    public Task<UsageLogPage> LastPageByUser() => _queries.QueryAsync(new UsageLogFilter { UserId = 42 }, LastPageOf(_userTotal), PageSize);

    [Benchmark(Description = "page 1, type=2 + last 24 h")]
    public Task<UsageLogPage> FirstPageByTypeAndDay() =>
        _queries.QueryAsync(new UsageLogFilter { Type = UsageLogType.Consume, Start = Now.AddDays(-1), End = Now }, 1, PageSize);

    [Benchmark(Description = "page 1, token_name")]
    public Task<UsageLogPage> FirstPageByTokenName() => _queries.QueryAsync(new UsageLogFilter { TokenName = "token-7" }, 1, PageSize);

    [Benchmark(Description = "stat, last 24 h")]
    public Task<UsageLogStats> StatDay() =>
        _queries.GetStatsAsync(new UsageLogFilter { Type = UsageLogType.Consume, Start = Now.AddDays(-1), End = Now }, Now);

    [Benchmark(Description = "stat, all 30 days")]
    public Task<UsageLogStats> StatAll() => _queries.GetStatsAsync(new UsageLogFilter { Type = UsageLogType.Consume }, Now);

    [Benchmark(Description = "stat, all 30 days, one model")]
    public Task<UsageLogStats> StatAllByModel() => _queries.GetStatsAsync(new UsageLogFilter { Type = UsageLogType.Consume, ModelName = "claude-sonnet-4-5" }, Now);

    [Benchmark(Description = "stat, all 30 days, self (user_id)")]
    public Task<UsageLogStats> StatAllByUser() => _queries.GetStatsAsync(new UsageLogFilter { Type = UsageLogType.Consume, UserId = 42 }, Now);

    [Benchmark(Description = "stat, 7 days from mid-hour")]
    public Task<UsageLogStats> StatWeekUnaligned() =>
        _queries.GetStatsAsync(new UsageLogFilter { Type = UsageLogType.Consume, Start = Now.AddDays(-7).AddMinutes(-17), End = Now.AddMinutes(-23) }, Now);

    [Benchmark(Description = "data (hourly), all 30 days")]
    public Task<IReadOnlyList<UsageLogHourlyAggregate>> HourlyAll() => _queries.GetHourlyAsync(new UsageLogFilter { Type = UsageLogType.Consume });

    [Benchmark(Description = "data (hourly), last 24 h")]
    public Task<IReadOnlyList<UsageLogHourlyAggregate>> HourlyDay() =>
        _queries.GetHourlyAsync(new UsageLogFilter { Type = UsageLogType.Consume, Start = Now.AddDays(-1), End = Now });

    private static int LastPageOf(long total) => (int)Math.Max(1, (total + PageSize - 1) / PageSize);

    private static void FillSqlite(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using (var count = connection.CreateCommand())
        {
            count.CommandText = "SELECT COUNT(*) FROM usage_logs";
            if ((long)count.ExecuteScalar()! >= Rows)
            {
                return;
            }
        }

        var watch = Stopwatch.StartNew();
        // Every column of the current schema gets a value, so the fill keeps working when columns are added.
        var columns = new List<(string Name, string Type)>();
        using (var info = connection.CreateCommand())
        {
            info.CommandText = "SELECT name, type FROM pragma_table_info('usage_logs') WHERE name <> 'id'";
            using var reader = info.ExecuteReader();
            while (reader.Read())
            {
                columns.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO usage_logs ({string.Join(", ", columns.Select(static c => "\"" + c.Name + "\""))}) VALUES ({string.Join(", ", columns.Select(static (_, i) => "$p" + i))})";
        var parameters = columns.Select((c, i) => insert.Parameters.Add(new SqliteParameter("$p" + i, c.Type.Contains("INT", StringComparison.OrdinalIgnoreCase) ? 0L : ""))).ToArray();
        insert.Prepare();

        foreach (var row in SeedRows())
        {
            for (var c = 0; c < columns.Count; c++)
            {
                parameters[c].Value = row.Value(columns[c].Name) switch
                {
                    null => columns[c].Type.Contains("INT", StringComparison.OrdinalIgnoreCase) ? 0L : columns[c].Type.Contains("REAL", StringComparison.OrdinalIgnoreCase) ? 0.0 : "",
                    bool flag => flag ? 1L : 0L,
                    var value => value,
                };
            }

            insert.ExecuteNonQuery();
        }

        foreach (var sql in RebuildRollupsSql)
        {
            insert.CommandText = sql;
            insert.Parameters.Clear();
            insert.ExecuteNonQuery();
        }

        transaction.Commit();

        Console.WriteLine($"// Filled {Rows:N0} usage_logs rows and their hourly rollups in {watch.Elapsed.TotalSeconds:F1} s.");
    }

    private static async Task FillPostgreSqlAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var count = new NpgsqlCommand("SELECT COUNT(*) FROM usage_logs", connection))
        {
            if ((long)(await count.ExecuteScalarAsync())! >= Rows)
            {
                return;
            }
        }

        var watch = Stopwatch.StartNew();
        await using (var truncate = new NpgsqlCommand("TRUNCATE usage_logs", connection))
        {
            await truncate.ExecuteNonQueryAsync();
        }

        // The columns the rows know; any other column must have a default.
        var columns = new List<(string Name, string Type)>();
        await using (var info = new NpgsqlCommand("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'usage_logs' AND column_name <> 'id' ORDER BY ordinal_position", connection))
        await using (var reader = await info.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var probe = SeedRows().First();
        columns.RemoveAll(c => !probe.Knows(c.Name));
        await using (var importer = await connection.BeginBinaryImportAsync($"COPY usage_logs ({string.Join(", ", columns.Select(static c => "\"" + c.Name + "\""))}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in SeedRows())
            {
                await importer.StartRowAsync();
                foreach (var (name, type) in columns)
                {
                    var value = row.Value(name);
                    await (value is DBNull ? importer.WriteNullAsync() : type switch
                    {
                        "bigint" => importer.WriteAsync(Convert.ToInt64(value, CultureInfo.InvariantCulture), NpgsqlDbType.Bigint),
                        "integer" => importer.WriteAsync(Convert.ToInt32(value, CultureInfo.InvariantCulture), NpgsqlDbType.Integer),
                        "boolean" => importer.WriteAsync(Convert.ToBoolean(value, CultureInfo.InvariantCulture), NpgsqlDbType.Boolean),
                        _ => importer.WriteAsync(Convert.ToString(value, CultureInfo.InvariantCulture)!, NpgsqlDbType.Text),
                    });
                }
            }

            await importer.CompleteAsync();
        }

        foreach (var sql in RebuildRollupsSql)
        {
            await using var rebuild = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await rebuild.ExecuteNonQueryAsync();
        }

        var copied = watch.Elapsed;
        await using (var vacuum = new NpgsqlCommand("VACUUM ANALYZE usage_logs, usage_hours, usage_user_hours", connection) { CommandTimeout = 0 })
        {
            await vacuum.ExecuteNonQueryAsync();
        }

        Console.WriteLine($"// Filled {Rows:N0} usage_logs rows in {copied.TotalSeconds:F1} s (COPY, indexes in place), VACUUM ANALYZE {(watch.Elapsed - copied).TotalSeconds:F1} s.");
    }

    /// <summary>Recomputes the hourly rollups from the rows, as the UsageHourlyRollups migration does (the fill bypasses the usage-log store that maintains them).</summary>
    private static readonly string[] RebuildRollupsSql =
    [
        "DELETE FROM usage_hours",
        "DELETE FROM usage_user_hours",
        """INSERT INTO usage_hours (hour, type, model_name, channel_id, "group", log_count, quota, prompt_tokens, completion_tokens) SELECT created_at - ((created_at % 3600000) + 3600000) % 3600000, type, model_name, channel_id, "group", COUNT(*), SUM(quota), SUM(prompt_tokens), SUM(completion_tokens) FROM usage_logs GROUP BY 1, 2, 3, 4, 5""",
        """INSERT INTO usage_user_hours (user_id, hour, type, model_name, log_count, quota, prompt_tokens, completion_tokens) SELECT user_id, created_at - ((created_at % 3600000) + 3600000) % 3600000, type, model_name, COUNT(*), SUM(quota), SUM(prompt_tokens), SUM(completion_tokens) FROM usage_logs GROUP BY 1, 2, 3, 4""",
    ];

    /// <summary>The same rows for every provider: the random sequence is the one the first SQLite fill used.</summary>
    private static IEnumerable<SeedRow> SeedRows()
    {
        var random = new Random(5);
        var start = Now.AddDays(-30).ToUnixTimeMilliseconds();
        var span = Now.ToUnixTimeMilliseconds() - start;
        for (var i = 0; i < Rows; i++)
        {
            var createdAt = start + (span * i / Rows) + random.Next(1000);
            var user = random.Next(1, 501);
            var token = (user * 2) + random.Next(2);
            var model = Models[random.Next(Models.Length)];
            var channel = random.Next(1, 21);
            var error = random.Next(20) == 0;
            var prompt = random.Next(10, 4000);
            var completion = error ? 0 : random.Next(1, 1500);
            var useTime = random.Next(200, 30_000);
            var stream = random.Next(2) == 1;
            yield return new SeedRow(i, createdAt, error, user, token, model, channel, prompt, completion, useTime, stream);
        }
    }

    /// <summary>One generated row; <see cref="Value"/> maps it to the <c>usage_logs</c> columns.</summary>
    private readonly record struct SeedRow(int Index, long CreatedAt, bool Error, long User, long Token, string Model, long Channel, int Prompt, int Completion, int UseTime, bool Stream)
    {
        public bool Knows(string column) => Value(column) is not null;

        public object? Value(string column) => column switch
        {
            "created_at" => CreatedAt,
            "type" => Error ? (long)UsageLogType.Error : (long)UsageLogType.Consume,
            "user_id" => User,
            "token_id" => Token,
            "token_name" => "token-" + Token.ToString(CultureInfo.InvariantCulture),
            "model_name" => Model,
            "channel_id" => Channel,
            "channel_name" => "channel-" + Channel.ToString(CultureInfo.InvariantCulture),
            "group" => "default",
            "quota" => Error ? 0L : (Prompt + Completion) * 3L,
            "prompt_tokens" => (long)Prompt,
            "completion_tokens" => (long)Completion,
            "use_time_ms" => (long)UseTime,
            "status_code" => Error ? 502L : 200L,
            "is_stream" => Stream,
            "content" => Error ? "upstream error" : "",
            "ip" => "10.0.0.1",
            "request_id" => "req-" + Index.ToString(CultureInfo.InvariantCulture),
            "other" => "{}",
            "first_byte_ms" => DBNull.Value,
            _ => null, // a column added later: its zero value on SQLite, its default on PostgreSQL
        };
    }
}
