using Npgsql;

namespace LlmRelay.FunctionalTests.Infrastructure;

/// <summary>The gateway's database: the default SQLite file, or a fresh PostgreSQL database dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _server;
    private readonly string? _name;

    private TestDatabase(Dictionary<string, string?> settings, string? server = null, string? name = null)
    {
        Settings = settings;
        _server = server;
        _name = name;
    }

    public Dictionary<string, string?> Settings { get; }

    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        if (provider == "sqlite")
        {
            return new TestDatabase([]);
        }

        var server = Environment.GetEnvironmentVariable("LLMRELAY_TEST_POSTGRES");
        if (string.IsNullOrEmpty(server))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must provide LLMRELAY_TEST_POSTGRES (see .ci/run).");
            Assert.Skip("PostgreSQL tests need LLMRELAY_TEST_POSTGRES (export LLMRELAY_TEST_POSTGRES=\"$(bash eng/start-postgres.sh | tail -n 1)\").");
        }

        var name = $"llmrelay_ft_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = false }.ConnectionString;
        return new TestDatabase(
            new() { ["LlmRelay:Database:Provider"] = "postgres", ["ConnectionStrings:LlmRelay"] = connectionString },
            server,
            name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
