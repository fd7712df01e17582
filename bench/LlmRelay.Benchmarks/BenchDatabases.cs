using Npgsql;

namespace LlmRelay.Benchmarks;

/// <summary>Where the storage benchmarks keep their databases.</summary>
/// <remarks>
/// PostgreSQL is reached through <c>LLMRELAY_BENCH_POSTGRES</c>, else <c>LLMRELAY_TEST_POSTGRES</c> (the variable the
/// tests use), else the local server the repository's start-postgres script runs
/// (<c>Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres</c>). Each benchmark uses its own database.
/// </remarks>
internal static class BenchDatabases
{
    private const string LocalPostgreSql = "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres";

    /// <summary>Gets the connection string of the PostgreSQL server (no database).</summary>
    public static string PostgreSqlServer =>
        Environment.GetEnvironmentVariable("LLMRELAY_BENCH_POSTGRES") is { Length: > 0 } bench ? bench :
        Environment.GetEnvironmentVariable("LLMRELAY_TEST_POSTGRES") is { Length: > 0 } test ? test :
        LocalPostgreSql;

    /// <summary>Gets the path of a SQLite file in the temp directory.</summary>
    public static string SqlitePath(string name) => Path.Combine(Path.GetTempPath(), name + ".db");

    /// <summary>Deletes a SQLite file and its WAL and shared-memory files.</summary>
    public static void DeleteSqlite(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }

    /// <summary>Returns the connection string of a PostgreSQL database, creating it (empty, when <paramref name="recreate"/>) first.</summary>
    public static async Task<string> PostgreSqlAsync(string database, bool recreate)
    {
        var server = new NpgsqlConnectionStringBuilder(PostgreSqlServer) { Pooling = false };
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            if (recreate)
            {
                await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            }

            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", database);
            if (await exists.ExecuteScalarAsync() is null)
            {
                await ExecuteAsync(connection, $"CREATE DATABASE \"{database}\"");
            }
        }

        return new NpgsqlConnectionStringBuilder(PostgreSqlServer) { Database = database }.ConnectionString;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
