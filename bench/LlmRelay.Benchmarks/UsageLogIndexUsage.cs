using System.Reflection;
using BenchmarkDotNet.Attributes;
using Npgsql;

namespace LlmRelay.Benchmarks;

/// <summary>Shows which indexes each <see cref="UsageLogQueryBenchmarks"/> query uses on PostgreSQL, from the server's own counters.</summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project bench/LlmRelay.Benchmarks -- logquery-indexes</c>. For each benchmark it
/// resets the database's statistics, runs the query once through the store, closes the pooled connections (a backend
/// flushes its counters when it exits) and prints the indexes whose <c>idx_scan</c> moved and whether
/// <c>usage_logs</c> was scanned sequentially.
/// </remarks>
internal static class UsageLogIndexUsage
{
    public static async Task<int> RunAsync()
    {
        var benchmarks = new UsageLogQueryBenchmarks { Provider = "postgres" };
        benchmarks.Setup();
        var connectionString = await BenchDatabases.PostgreSqlAsync("llmrelay_bench_logs_1m", recreate: false);
        try
        {
            foreach (var method in typeof(UsageLogQueryBenchmarks).GetMethods().Where(static m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
            {
                NpgsqlConnection.ClearAllPools(); // earlier queries' backends flush their counters as they exit
                await Task.Delay(500);
                await ExecuteAsync(connectionString, "SELECT pg_stat_reset()");
                await (Task)method.Invoke(benchmarks, null)!;
                NpgsqlConnection.ClearAllPools();
                await Task.Delay(500);

                var used = new List<string>();
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await using (var indexes = new NpgsqlCommand("SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname = 'usage_logs' AND idx_scan > 0 ORDER BY indexrelname", connection))
                await using (var reader = await indexes.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        used.Add($"{reader.GetString(0)} ×{reader.GetInt64(1)}");
                    }
                }

                await using var table = new NpgsqlCommand("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'usage_logs'", connection);
                var sequential = (long)(await table.ExecuteScalarAsync())!;
                var name = method.GetCustomAttribute<BenchmarkAttribute>()!.Description ?? method.Name;
                Console.WriteLine($"| {name} | {(used.Count == 0 ? "none" : string.Join(", ", used))}{(sequential > 0 ? $"; sequential scan ×{sequential}" : "")} |");
            }
        }
        finally
        {
            benchmarks.Cleanup();
        }

        return 0;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
