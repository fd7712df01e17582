using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Configures <see cref="DbContextOptionsBuilder"/> for each provider the same way at run time, in tests and at design time.</summary>
internal static class RelayDbOptions
{
    /// <summary>How long, in seconds, a SQLite command waits for another writer's lock before it fails.</summary>
    public const int SqliteBusyTimeoutSeconds = 30;

    /// <summary>The SQLite connection-string keyword, LlmRelay's own, that sets <c>PRAGMA synchronous</c> on every connection.</summary>
    public const string SqliteSynchronousKeyword = "Synchronous";

    /// <summary>The <c>PRAGMA synchronous</c> level used unless the connection string sets <see cref="SqliteSynchronousKeyword"/>.</summary>
    /// <remarks>
    /// In WAL mode (which <see cref="IRelayDatabase.MigrateAsync"/> sets), <c>NORMAL</c> syncs the log only at checkpoints,
    /// not at every commit: a commit cannot be lost or corrupt the file when the process crashes, but the last commits
    /// before a power loss or operating-system crash may be. SQLite's default, <c>FULL</c>, waits for the disk at every
    /// commit, which serialises single-row writes such as each request's quota reservation behind one disk flush each
    /// (bench/LlmRelay.Benchmarks/RESULTS.md, "Usage-log writer, session 3").
    /// </remarks>
    public const string DefaultSqliteSynchronous = "NORMAL";

    private static readonly string[] SynchronousLevels = ["OFF", "NORMAL", "FULL", "EXTRA"];

    public static DbContextOptionsBuilder UseSqlite(DbContextOptionsBuilder builder, string connectionString)
    {
        var chosen = HasSqliteSynchronous(connectionString);
        var synchronous = TakeSqliteSynchronous(ref connectionString);

        // An operator's explicit level is applied as given; the default NORMAL only where the file is in WAL mode.
        return builder
            .UseSqlite(NormalizeSqliteConnectionString(connectionString))
            .AddInterceptors(new SqliteConnectionSetup($"PRAGMA synchronous={synchronous};", onlyInWal: !chosen));
    }

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

    private static bool HasSqliteSynchronous(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.ContainsKey(SqliteSynchronousKeyword);

    /// <summary>Removes <see cref="SqliteSynchronousKeyword"/> from the connection string (Microsoft.Data.Sqlite rejects unknown keywords) and returns its level.</summary>
    /// <param name="connectionString">The connection string; on return, without the keyword.</param>
    /// <returns>The level, upper case: <see cref="DefaultSqliteSynchronous"/> when the keyword is absent.</returns>
    /// <exception cref="ArgumentException">The keyword's value is not <c>Off</c>, <c>Normal</c>, <c>Full</c> or <c>Extra</c>.</exception>
    public static string TakeSqliteSynchronous(ref string connectionString)
    {
        var raw = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!raw.TryGetValue(SqliteSynchronousKeyword, out var value))
        {
            return DefaultSqliteSynchronous;
        }

        var level = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)?.Trim().ToUpperInvariant();
        if (level is null || !SynchronousLevels.Contains(level, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"The SQLite connection string sets {SqliteSynchronousKeyword}={value}; use Normal (the default), Full, Extra or Off.",
                nameof(connectionString));
        }

        raw.Remove(SqliteSynchronousKeyword);
        connectionString = raw.ConnectionString;
        return level;
    }
}
