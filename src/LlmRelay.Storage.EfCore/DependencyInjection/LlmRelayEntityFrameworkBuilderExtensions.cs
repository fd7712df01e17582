using LlmRelay.Changes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using LlmRelay.Storage;
using LlmRelay.Storage.EfCore.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers LlmRelay's Entity Framework Core stores (SQLite or PostgreSQL).</summary>
/// <remarks>
/// Each method registers <see cref="IChannelStore"/>, <see cref="ITokenStore"/>, <see cref="IUsageLogStore"/> and
/// <see cref="IRelayDatabase"/> as scoped services over a pooled <c>DbContext</c> factory, which singletons (such as
/// a background log writer) can also use. Call <see cref="IRelayDatabase.MigrateAsync"/> at startup to create or
/// upgrade the schema. Only the first call takes effect: a repeated call for the same provider does nothing, and a
/// call for a different provider throws.
/// </remarks>
public static class LlmRelayEntityFrameworkBuilderExtensions
{
    private const string ProviderKey = "LlmRelay:Database:Provider";
    private const string DataProtectionKeysKey = "LlmRelay:DataProtection:Keys";
    private const string ConnectionStringName = "LlmRelay";
    private const string DefaultSqliteFileName = "llmrelay.db";

    /// <summary>Stores LlmRelay's data in a SQLite database.</summary>
    /// <remarks>
    /// A busy timeout of 30 seconds is added unless the connection string sets <c>Default Timeout</c>, so
    /// concurrent writers wait for each other; <see cref="IRelayDatabase.MigrateAsync"/> switches the file to WAL mode.
    /// </remarks>
    /// <param name="builder">The LlmRelay builder.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, such as <c>Data Source=llmrelay.db</c>.</param>
    /// <returns>The <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="connectionString"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or white space.</exception>
    /// <exception cref="InvalidOperationException">Stores for PostgreSQL were registered already.</exception>
    public static ILlmRelayBuilder AddSqliteStores(this ILlmRelayBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        AddStores<SqliteLlmRelayDbContext>(
            builder.Services,
            RelayDatabaseProvider.Sqlite,
            (_, options) => RelayDbOptions.UseSqlite(options, connectionString));
        return builder;
    }

    /// <summary>Stores LlmRelay's data in a PostgreSQL database, so that several gateway instances can share it.</summary>
    /// <param name="builder">The LlmRelay builder.</param>
    /// <param name="connectionString">An Npgsql connection string, such as <c>Host=db;Database=llmrelay;Username=llmrelay;Password=...</c>.</param>
    /// <returns>The <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="connectionString"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or white space.</exception>
    /// <exception cref="InvalidOperationException">Stores for SQLite were registered already.</exception>
    public static ILlmRelayBuilder AddPostgreSqlStores(this ILlmRelayBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        AddStores<PostgreSqlLlmRelayDbContext>(
            builder.Services,
            RelayDatabaseProvider.PostgreSql,
            (_, options) => RelayDbOptions.UsePostgreSql(options, connectionString));

        // Several instances share this database: changes made on one reach the others' caches by LISTEN/NOTIFY (issue #18),
        // unless a transport other than Core's in-process default (Redis) was registered already.
        var notifier = builder.Services.LastOrDefault(static d => d.ServiceType == typeof(IRelayChangeNotifier));
        if (notifier is null || notifier.ImplementationType?.Assembly == typeof(IRelayChangeNotifier).Assembly)
        {
            builder.Services.TryAddSingleton(sp => new PostgreSqlRelayChangeNotifier(
                connectionString,
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetRequiredService<ILogger<PostgreSqlRelayChangeNotifier>>()));
            builder.Services.Replace(ServiceDescriptor.Singleton<IRelayChangeNotifier>(static sp => sp.GetRequiredService<PostgreSqlRelayChangeNotifier>()));
        }

        return builder;
    }

    /// <summary>Stores LlmRelay's data in the database that configuration names.</summary>
    /// <remarks>
    /// <para>
    /// <c>LlmRelay:Database:Provider</c> selects the engine: <c>sqlite</c> (the default) or <c>postgres</c> /
    /// <c>postgresql</c>, case-insensitive. <c>ConnectionStrings:LlmRelay</c> is the connection string; PostgreSQL
    /// requires it, and SQLite without it uses the file <c>llmrelay.db</c> in the host's content root (or, without
    /// a host, the application's base directory).
    /// </para>
    /// <para>
    /// Environment variables work as usual: <c>LlmRelay__Database__Provider=postgres</c> and
    /// <c>ConnectionStrings__LlmRelay=Host=...</c>.
    /// </para>
    /// </remarks>
    /// <param name="builder">The LlmRelay builder.</param>
    /// <param name="configuration">The application's configuration root.</param>
    /// <returns>The <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">
    /// The provider is unknown, PostgreSQL has no connection string, or stores for another provider were registered already.
    /// </exception>
    public static ILlmRelayBuilder AddEntityFrameworkStores(this ILlmRelayBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);

        if (string.Equals(configuration[DataProtectionKeysKey]?.Trim(), "Database", StringComparison.OrdinalIgnoreCase))
        {
            builder.PersistDataProtectionKeysToDatabase();
        }

        var provider = configuration[ProviderKey]?.Trim();
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        var hasConnectionString = !string.IsNullOrWhiteSpace(connectionString);

        if (string.IsNullOrEmpty(provider) || provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            if (hasConnectionString)
            {
                return builder.AddSqliteStores(connectionString!);
            }

            AddStores<SqliteLlmRelayDbContext>(
                builder.Services,
                RelayDatabaseProvider.Sqlite,
                static (services, options) => RelayDbOptions.UseSqlite(options, DefaultSqliteConnectionString(services)));
            return builder;
        }

        if (provider.Equals("postgres", StringComparison.OrdinalIgnoreCase) ||
            provider.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            return hasConnectionString
                ? builder.AddPostgreSqlStores(connectionString!)
                : throw new InvalidOperationException(
                    $"{ProviderKey} is '{provider}' but ConnectionStrings:{ConnectionStringName} is not set. " +
                    "Set it to an Npgsql connection string, e.g. ConnectionStrings__LlmRelay=\"Host=db;Database=llmrelay;Username=...;Password=...\".");
        }

        throw new InvalidOperationException(
            $"{ProviderKey} is '{provider}', which is not a supported database provider. Use 'sqlite' (the default) or 'postgres'.");
    }

    /// <summary>Keeps the ASP.NET Core Data Protection key ring in LlmRelay's database, so every gateway instance on it shares one ring.</summary>
    /// <remarks>
    /// <para>
    /// Upstream channel keys are encrypted at rest, and dashboard session cookies are signed, with Data Protection. Its default
    /// key ring is a directory of the local machine, so behind a load balancer a cookie or a channel key made by one instance
    /// cannot be read by another (issue #18). With this, the keys are rows of the <c>data_protection_keys</c> table (created by
    /// the migrations), stored as Data Protection writes them: protect the database as you protect the keys.
    /// </para>
    /// <para>
    /// <c>AddEntityFrameworkStores</c> calls it when <c>LlmRelay:DataProtection:Keys</c> is <c>Database</c>. Switching an existing
    /// gateway over loses the keys of the old ring: copy its XML files into the table first, or enter the channels' keys again
    /// (docs/deployment.md, scale-out). Call it after registering the stores.
    /// </para>
    /// </remarks>
    /// <param name="builder">The LlmRelay builder.</param>
    /// <returns>The <paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder PersistDataProtectionKeysToDatabase(this ILlmRelayBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddDataProtection();
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IServiceProvider>(static (options, services) =>
                options.XmlRepository = new EfDataProtectionKeyRepository(services.GetRequiredService<IDbContextFactory<LlmRelayDbContext>>()));
        return builder;
    }

    private static string DefaultSqliteConnectionString(IServiceProvider services)
    {
        // Resolved when the first context is created, so a host registered after AddEntityFrameworkStores counts.
        var root = services.GetService<IHostEnvironment>()?.ContentRootPath;
        if (string.IsNullOrEmpty(root))
        {
            root = AppContext.BaseDirectory;
        }

        return new SqliteConnectionStringBuilder { DataSource = Path.Combine(root, DefaultSqliteFileName) }.ToString();
    }

    private static void AddStores<TContext>(
        IServiceCollection services,
        RelayDatabaseProvider provider,
        Action<IServiceProvider, DbContextOptionsBuilder> configure)
        where TContext : LlmRelayDbContext
    {
        var existing = services.FirstOrDefault(static d => d.ServiceType == typeof(EfCoreStoresMarker));
        if (existing?.ImplementationInstance is EfCoreStoresMarker marker)
        {
            if (marker.Provider == provider)
            {
                return;
            }

            throw new InvalidOperationException(
                $"LlmRelay's Entity Framework Core stores are already registered for {marker.Provider}; they cannot also use {provider}.");
        }

        services.AddSingleton(new EfCoreStoresMarker(provider));

        services.AddPooledDbContextFactory<TContext>(configure);
        services.TryAddSingleton<IDbContextFactory<LlmRelayDbContext>>(
            static sp => new LlmRelayDbContextFactory<TContext>(sp.GetRequiredService<IDbContextFactory<TContext>>()));

        // Disposing a pooled context returns it to the pool when the scope ends.
        services.TryAddScoped<LlmRelayDbContext>(
            static sp => sp.GetRequiredService<IDbContextFactory<LlmRelayDbContext>>().CreateDbContext());

        services.TryAddSingleton<QuotaReservationLedger>();
        services.TryAddSingleton<QuotaReservationQueue>();
        services.AddHostedService<QuotaReservationSweeper>();
        services.TryAddScoped<IChannelStore, EfChannelStore>();
        services.TryAddScoped<ITokenStore, EfTokenStore>();
        services.TryAddScoped<IUsageLogStore, EfUsageLogStore>();
        services.TryAddScoped<IUsageLogQueries, EfUsageLogQueries>();
        services.TryAddScoped<IRelayDatabase, EfRelayDatabase>();
        services.TryAddScoped<IUserStore, EfUserStore>();
        services.TryAddScoped<IOptionStore, EfOptionStore>();
        services.TryAddScoped<IRedemptionStore, EfRedemptionStore>();
        services.TryAddScoped<IChannelStateStore, EfChannelStateStore>();
        services.TryAddScoped<IRelayTaskStore, EfRelayTaskStore>();
    }
}
