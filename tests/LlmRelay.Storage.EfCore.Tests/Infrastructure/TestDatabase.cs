using LlmRelay.Storage.EfCore.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LlmRelay.Storage.EfCore.Tests.Infrastructure;

/// <summary>A fresh, uniquely named database for one provider, deleted on dispose.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";
    public const string PostgresEnvironmentVariable = "LLMRELAY_TEST_POSTGRES";

    private readonly Func<ValueTask> _drop;

    private TestDatabase(string provider, ServiceProvider services, string connectionString, Func<ValueTask> drop)
    {
        Provider = provider;
        Services = services;
        ConnectionString = connectionString;
        _drop = drop;
    }

    public string Provider { get; }

    public ServiceProvider Services { get; }

    public string ConnectionString { get; }

    public static TheoryData<string> Providers => [Sqlite, PostgreSql];

    /// <summary>Creates an empty database (it may not exist on the server yet) and, optionally, migrates it.</summary>
    /// <param name="provider"><see cref="Sqlite"/> or <see cref="PostgreSql"/>.</param>
    /// <param name="migrate">Whether to apply the migrations.</param>
    /// <param name="configure">Adds to the services (after the stores), e.g. a logger provider.</param>
    /// <param name="sqliteBusyTimeoutSeconds">SQLite: how long a command waits for another writer's lock (the stores' default otherwise).</param>
    public static async Task<TestDatabase> CreateAsync(string provider, bool migrate = true, Action<IServiceCollection>? configure = null, int? sqliteBusyTimeoutSeconds = null)
    {
        var database = provider switch
        {
            Sqlite => CreateSqlite(configure, sqliteBusyTimeoutSeconds),
            PostgreSql => CreatePostgreSql(configure),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
        };

        if (migrate)
        {
            await using var scope = database.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IRelayDatabase>().MigrateAsync(TestContext.Current.CancellationToken);
        }

        return database;
    }

    public AsyncServiceScope CreateScope() => Services.CreateAsyncScope();

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await _drop();
    }

    private static TestDatabase CreateSqlite(Action<IServiceCollection>? configure, int? busyTimeoutSeconds)
    {
        var path = Path.Combine(Path.GetTempPath(), $"llmrelay-test-{Guid.NewGuid():N}.db");
        var builder = new SqliteConnectionStringBuilder { DataSource = path };
        if (busyTimeoutSeconds is { } timeout)
        {
            builder.DefaultTimeout = timeout;
        }

        var connectionString = builder.ToString();
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay().AddSqliteStores(connectionString);
        configure?.Invoke(services);
        return new TestDatabase(Sqlite, services.BuildServiceProvider(validateScopes: true), connectionString, () =>
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }

            return ValueTask.CompletedTask;
        });
    }

    private static TestDatabase CreatePostgreSql(Action<IServiceCollection>? configure)
    {
        var server = Environment.GetEnvironmentVariable(PostgresEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            var message = $"PostgreSQL tests need {PostgresEnvironmentVariable} (e.g. Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres); eng/start-postgres.sh starts a local server and prints it.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message + " CI=true, so they may not be skipped.");
            }

            Assert.Skip(message);
        }

        var name = $"llmrelay_test_{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ToString();
        var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ToString();
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay().AddPostgreSqlStores(connectionString);
        configure?.Invoke(services);
        return new TestDatabase(PostgreSql, services.BuildServiceProvider(validateScopes: true), connectionString, async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        });
    }
}
