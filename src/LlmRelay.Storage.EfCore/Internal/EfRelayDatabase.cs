using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Migrates and probes the database behind the EF Core stores.</summary>
/// <param name="db">The scope's context.</param>
/// <param name="logger">The logger.</param>
internal sealed partial class EfRelayDatabase(LlmRelayDbContext db, ILogger<EfRelayDatabase> logger) : IRelayDatabase
{
    /// <summary>Gets the database engine the stores use.</summary>
    public RelayDatabaseProvider Provider => db.Provider;

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        LogMigrating(logger, Provider, db.Database.GetDbConnection().DataSource);
        if (Provider == RelayDatabaseProvider.Sqlite)
        {
            EnsureSqliteDirectory(db.Database.GetConnectionString());
        }

        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);

        if (Provider == RelayDatabaseProvider.Sqlite)
        {
            // WAL lets readers run while the usage-log writer writes; the mode is stored in the file, so once is enough.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<bool> CanConnectAsync(CancellationToken cancellationToken = default) =>
        db.Database.CanConnectAsync(cancellationToken);

    private static void EnsureSqliteDirectory(string? connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrEmpty(dataSource) ||
            dataSource.Equals(":memory:", StringComparison.OrdinalIgnoreCase) ||
            dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Applying LlmRelay migrations to the {Provider} database {DataSource}.")]
    private static partial void LogMigrating(ILogger logger, RelayDatabaseProvider provider, string dataSource);
}
