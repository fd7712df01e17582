using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Applies per-connection PRAGMAs once to each physical SQLite connection the stores open.</summary>
/// <param name="pragmas">The PRAGMAs.</param>
/// <param name="onlyInWal">
/// Whether to apply them only to a database in WAL mode, and <c>PRAGMA synchronous=FULL</c> otherwise: the default
/// <c>synchronous=NORMAL</c> is safe against power loss only with a write-ahead log (a file the migrations have not yet
/// switched to WAL, or one on a file system without shared memory, stays in rollback-journal mode).
/// </param>
internal sealed class SqliteConnectionSetup(string pragmas, bool onlyInWal = false) : DbConnectionInterceptor
{
    // Keyed by the native handle: Microsoft.Data.Sqlite pools those, and a PRAGMA set on one lasts as long as it does.
    private readonly ConditionalWeakTable<sqlite3, object> _configured = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        if (pragmas.Length == 0 || connection is not SqliteConnection { Handle: { } handle } || _configured.TryGetValue(handle, out _))
        {
            return;
        }

        if (onlyInWal && !InWal(handle))
        {
            // Not recorded as configured: the next open checks again, once the migrations have switched the file to WAL.
            Execute(handle, "PRAGMA synchronous=FULL;");
            return;
        }

        Execute(handle, pragmas);
        _configured.AddOrUpdate(handle, handle);
    }

    private static bool InWal(sqlite3 handle)
    {
        SqliteRawStatement.Check(handle, raw.sqlite3_prepare_v2(handle, "PRAGMA journal_mode", out var statement));
        using (statement)
        {
            return raw.sqlite3_step(statement) == raw.SQLITE_ROW
                && string.Equals(raw.sqlite3_column_text(statement, 0).utf8_to_string(), "wal", StringComparison.OrdinalIgnoreCase);
        }
    }

    private static void Execute(sqlite3 handle, string sql)
    {
        var result = raw.sqlite3_exec(handle, sql);
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException($"SQLite Error {result}: '{raw.sqlite3_errmsg(handle).utf8_to_string()}' applying '{sql}'.", result);
        }
    }
}
