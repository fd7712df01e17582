using LlmRelay.Storage.EfCore.Internal;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LlmRelay.Storage.EfCore.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public void AddEntityFrameworkStores_NoSettings_UsesSqliteFileInContentRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "llmrelay-root");
        var services = new ServiceCollection().AddLogging();
        services.AddLlmRelay().AddEntityFrameworkStores(Configuration());
        services.AddSingleton<IHostEnvironment>(new FakeHostEnvironment(root)); // registered later, resolved lazily

        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();

        Assert.Equal(RelayDatabaseProvider.Sqlite, context.Provider);
        Assert.IsType<EfRelayDatabase>(scope.ServiceProvider.GetRequiredService<IRelayDatabase>());
        var connection = new SqliteConnectionStringBuilder(context.Database.GetConnectionString());
        Assert.Equal(Path.Combine(root, "llmrelay.db"), connection.DataSource);
        Assert.Equal(RelayDbOptions.SqliteBusyTimeoutSeconds, connection.DefaultTimeout);
    }

    [Fact]
    public void AddEntityFrameworkStores_NoHost_UsesBaseDirectory()
    {
        using var provider = Build(b => b.AddEntityFrameworkStores(Configuration()));
        using var scope = provider.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();

        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "llmrelay.db"), new SqliteConnectionStringBuilder(context.Database.GetConnectionString()).DataSource);
    }

    [Theory]
    [InlineData("sqlite", "Data Source=custom.db", "Sqlite")]
    [InlineData("SQLite", "Data Source=custom.db", "Sqlite")]
    [InlineData("postgres", "Host=db;Database=relay", "PostgreSql")]
    [InlineData("PostgreSQL", "Host=db;Database=relay", "PostgreSql")]
    public void AddEntityFrameworkStores_ProviderAndConnectionString_AreHonoured(string name, string connectionString, string expectedProvider)
    {
        var expected = Enum.Parse<RelayDatabaseProvider>(expectedProvider);
        using var provider = Build(b => b.AddEntityFrameworkStores(Configuration(name, connectionString)));
        using var scope = provider.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();

        Assert.Equal(expected, context.Provider);
        Assert.Contains(expected == RelayDatabaseProvider.Sqlite ? "custom.db" : "Database=relay", context.Database.GetConnectionString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AddEntityFrameworkStores_PostgresWithoutConnectionString_Throws()
    {
        var builder = new ServiceCollection().AddLlmRelay();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddEntityFrameworkStores(Configuration("postgres")));
        Assert.Contains("ConnectionStrings:LlmRelay", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddEntityFrameworkStores_UnknownProvider_Throws()
    {
        var builder = new ServiceCollection().AddLlmRelay();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddEntityFrameworkStores(Configuration("mysql", "Server=x")));
        Assert.Contains("mysql", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSqliteStores_CalledTwice_RegistersOnce()
    {
        var services = new ServiceCollection();
        services.AddLlmRelay().AddSqliteStores("Data Source=a.db").AddSqliteStores("Data Source=a.db");
        services.AddLlmRelay().AddEntityFrameworkStores(Configuration());

        Assert.Single(services, static d => d.ServiceType == typeof(IChannelStore));
        Assert.Single(services, static d => d.ServiceType == typeof(ITokenStore));
        Assert.Single(services, static d => d.ServiceType == typeof(IUsageLogStore));
        Assert.Single(services, static d => d.ServiceType == typeof(IRelayDatabase));
        Assert.Single(services, static d => d.ServiceType == typeof(IDbContextFactory<LlmRelayDbContext>));
        Assert.Single(services, static d => d.ServiceType == typeof(IDbContextFactory<SqliteLlmRelayDbContext>));
    }

    [Fact]
    public void AddPostgreSqlStores_AfterSqlite_Throws()
    {
        var builder = new ServiceCollection().AddLlmRelay().AddSqliteStores("Data Source=a.db");

        Assert.Throws<InvalidOperationException>(() => builder.AddPostgreSqlStores("Host=db"));
    }

    [Fact]
    public void AddSqliteStores_ExplicitTimeout_IsKept()
    {
        using var provider = Build(b => b.AddSqliteStores("Data Source=a.db;Default Timeout=5"));
        using var scope = provider.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();

        Assert.Equal(5, new SqliteConnectionStringBuilder(context.Database.GetConnectionString()).DefaultTimeout);
    }

    [Fact]
    public async Task ContextFactory_IsUsableFromSingletons()
    {
        using var provider = Build(b => b.AddPostgreSqlStores("Host=db;Database=relay"));
        var factory = provider.GetRequiredService<IDbContextFactory<LlmRelayDbContext>>();

        await using var context = await factory.CreateDbContextAsync(TestContext.Current.CancellationToken);

        Assert.IsType<PostgreSqlLlmRelayDbContext>(context);
    }

    [Fact]
    public void Arguments_AreValidated()
    {
        var builder = new ServiceCollection().AddLlmRelay();

        Assert.Throws<ArgumentNullException>(() => LlmRelayEntityFrameworkBuilderExtensions.AddSqliteStores(null!, "x"));
        Assert.Throws<ArgumentException>(() => builder.AddSqliteStores(" "));
        Assert.Throws<ArgumentNullException>(() => builder.AddPostgreSqlStores(null!));
        Assert.Throws<ArgumentNullException>(() => builder.AddEntityFrameworkStores(null!));
    }

    [Theory]
    [InlineData("", true, 1)]                        // NORMAL: the default in WAL mode (no disk flush per commit)
    [InlineData("", false, 2)]                       // FULL: the default is NORMAL only with a write-ahead log
    [InlineData(";Synchronous=Full", true, 2)]       // FULL: SQLite's own default, chosen in the connection string
    [InlineData(";synchronous = extra ", true, 3)]
    [InlineData(";Synchronous=Normal", false, 1)]    // an operator's explicit choice is applied as given
    public async Task AddSqliteStores_SetsPragmaSynchronous_OnEveryConnection_FromTheConnectionString(string suffix, bool wal, long expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"llmrelay-test-{Guid.NewGuid():N}.db");
        try
        {
            if (wal)
            {
                await using var setup = new SqliteConnection($"Data Source={path};Pooling=False");
                await setup.OpenAsync(TestContext.Current.CancellationToken);
                await using var command = setup.CreateCommand();
                command.CommandText = "PRAGMA journal_mode=WAL";
                await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            using var provider = Build(b => b.AddSqliteStores($"Data Source={path}{suffix}"));
            for (var i = 0; i < 2; i++)
            {
                // Each scope's context opens a pooled connection; the setting holds on every one.
                await using var scope = provider.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
                Assert.DoesNotContain("ynchronous", db.Database.GetConnectionString(), StringComparison.Ordinal);
                await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
                await using var command = db.Database.GetDbConnection().CreateCommand();
                command.CommandText = "PRAGMA synchronous";
                Assert.Equal(expected, (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix2 in (string[])["", "-wal", "-shm"])
            {
                File.Delete(path + suffix2);
            }
        }
    }

    [Fact]
    public void AddSqliteStores_UnknownSynchronousLevel_FailsNamingTheKeyword()
    {
        using var provider = Build(b => b.AddSqliteStores("Data Source=x.db;Synchronous=fast"));
        using var scope = provider.CreateScope();

        var error = Assert.Throws<ArgumentException>(() => scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>());
        Assert.Contains("Synchronous=fast", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Action<ILlmRelayBuilder> configure)
    {
        var services = new ServiceCollection().AddLogging();
        configure(services.AddLlmRelay());
        return services.BuildServiceProvider(validateScopes: true);
    }

    private static IConfiguration Configuration(string? provider = null, string? connectionString = null)
    {
        var values = new Dictionary<string, string?>();
        if (provider is not null)
        {
            values["LlmRelay:Database:Provider"] = provider;
        }

        if (connectionString is not null)
        {
            values["ConnectionStrings:LlmRelay"] = connectionString;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }
}
