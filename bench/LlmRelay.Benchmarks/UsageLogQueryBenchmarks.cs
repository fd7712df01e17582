using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmRelay.Benchmarks;

/// <summary>
/// The queries behind <c>GET /api/log/</c> (first and last page, with and without filters) and <c>GET /api/log/stat</c>
/// on a SQLite <c>usage_logs</c> table of 1,000,000 rows (issue #5; target: under 100 ms per page or stat).
/// </summary>
/// <remarks>
/// The table is filled once with one prepared INSERT in one transaction and kept in the temp directory
/// (<c>llmrelay-bench-logs-1m.db</c>), so every benchmark process reuses it. Rows span 30 days, 500 users, 1,000
/// token names, 6 models and 20 channels; 95% are consume rows, 5% errors.
/// Run: <c>dotnet run -c Release --project bench/LlmRelay.Benchmarks -- --filter '*UsageLogQuery*'</c>.
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class UsageLogQueryBenchmarks
{
    private const int Rows = 1_000_000;
    private const int PageSize = 20;
    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash", "deepseek-chat", "o3-mini"];
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private ServiceProvider _services = null!;
    private IServiceScope _scope = null!;
    private IUsageLogQueries _queries = null!;
    private long _total;
    private long _modelTotal;
    private long _userTotal;

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(Path.GetTempPath(), "llmrelay-bench-logs-1m.db");
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddLlmRelay().AddSqliteStores($"Data Source={path}");
        _services = services.BuildServiceProvider();
        using (var scope = _services.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<IRelayDatabase>().MigrateAsync().GetAwaiter().GetResult();
        }

        Fill(path);
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

    [Benchmark(Description = "data (hourly), last 24 h")]
    public Task<IReadOnlyList<UsageLogHourlyAggregate>> HourlyDay() =>
        _queries.GetHourlyAsync(new UsageLogFilter { Type = UsageLogType.Consume, Start = Now.AddDays(-1), End = Now });

    private static int LastPageOf(long total) => (int)Math.Max(1, (total + PageSize - 1) / PageSize);

    private static void Fill(string path)
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
            for (var c = 0; c < columns.Count; c++)
            {
                parameters[c].Value = columns[c].Name switch
                {
                    "created_at" => createdAt,
                    "type" => error ? (long)UsageLogType.Error : (long)UsageLogType.Consume,
                    "user_id" => user,
                    "token_id" => token,
                    "token_name" => "token-" + token.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "model_name" => model,
                    "channel_id" => channel,
                    "channel_name" => "channel-" + channel.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "group" => "default",
                    "quota" => error ? 0L : (prompt + completion) * 3L,
                    "prompt_tokens" => prompt,
                    "completion_tokens" => completion,
                    "use_time_ms" => random.Next(200, 30_000),
                    "status_code" => error ? 502L : 200L,
                    "is_stream" => random.Next(2),
                    "content" => error ? "upstream error" : "",
                    "ip" => "10.0.0.1",
                    "request_id" => "req-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "other" => "{}",
                    "first_byte_ms" => DBNull.Value,
                    _ => columns[c].Type.Contains("INT", StringComparison.OrdinalIgnoreCase) ? 0L : columns[c].Type.Contains("REAL", StringComparison.OrdinalIgnoreCase) ? 0.0 : "",
                };
            }

            insert.ExecuteNonQuery();
        }

        transaction.Commit();

        Console.WriteLine($"// Filled {Rows:N0} usage_logs rows in {watch.Elapsed.TotalSeconds:F1} s.");
    }
}
