using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Applies per-connection PRAGMAs once to each physical SQLite connection the stores open.</summary>
internal sealed class SqliteConnectionSetup(string pragmas) : DbConnectionInterceptor
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

        var result = raw.sqlite3_exec(handle, pragmas);
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException($"SQLite Error {result}: '{raw.sqlite3_errmsg(handle).utf8_to_string()}' applying '{pragmas}'.", result);
        }

        _configured.AddOrUpdate(handle, handle);
    }
}
