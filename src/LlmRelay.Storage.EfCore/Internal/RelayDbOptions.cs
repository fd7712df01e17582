using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Configures <see cref="DbContextOptionsBuilder"/> for each provider the same way at run time, in tests and at design time.</summary>
internal static class RelayDbOptions
{
    /// <summary>How long, in seconds, a SQLite command waits for another writer's lock before it fails.</summary>
    public const int SqliteBusyTimeoutSeconds = 30;

    public static DbContextOptionsBuilder UseSqlite(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseSqlite(NormalizeSqliteConnectionString(connectionString));

    public static DbContextOptionsBuilder UsePostgreSql(DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseNpgsql(connectionString);

    /// <summary>Adds a busy timeout unless the connection string sets one.</summary>
    /// <remarks>
    /// Microsoft.Data.Sqlite retries a command that hits <c>SQLITE_BUSY</c> until <c>Default Timeout</c> elapses,
    /// so concurrent writers (the usage-log writer, admin edits, several processes) queue instead of failing.
    /// </remarks>
    public static string NormalizeSqliteConnectionString(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var raw = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!raw.ContainsKey("Default Timeout") && !raw.ContainsKey("DefaultTimeout") &&
            !raw.ContainsKey("Command Timeout") && !raw.ContainsKey("CommandTimeout"))
        {
            builder.DefaultTimeout = SqliteBusyTimeoutSeconds;
        }

        return builder.ToString();
    }
}
