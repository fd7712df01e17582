using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>A statement prepared on a <see cref="SqliteConnection"/>'s own handle and bound by position with SQLite's own calls.</summary>
/// <remarks>
/// For statements run hundreds of times per usage-log batch (settlement updates, rollup upserts): ADO.NET's
/// <c>ExecuteNonQuery</c> builds a data reader and boxes every parameter value on each execution, which measured as most of
/// what the SQLite writer allocated per row. The statement runs on the connection's handle, so it is part of the
/// caller's transaction. Parameters are numbered <c>?1</c>, <c>?2</c>, ... in the SQL. Not thread-safe; dispose after the batch.
/// </remarks>
internal readonly struct SqliteRawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    private SqliteRawStatement(sqlite3 db, sqlite3_stmt statement)
    {
        _db = db;
        _statement = statement;
    }

    /// <summary>Prepares <paramref name="sql"/> on the open <paramref name="connection"/>.</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="sql">The statement, with parameters <c>?1</c>, <c>?2</c>, ...</param>
    /// <returns>The prepared statement.</returns>
    /// <exception cref="SqliteException">SQLite refused the statement.</exception>
    public static SqliteRawStatement Prepare(SqliteConnection connection, string sql)
    {
        var db = connection.Handle!;
        Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
        return new SqliteRawStatement(db, statement);
    }

    /// <summary>Binds an integer to parameter <c>?<paramref name="index"/></c>.</summary>
    /// <param name="index">The 1-based parameter number.</param>
    /// <param name="value">The value.</param>
    public void Bind(int index, long value) => Check(_db, raw.sqlite3_bind_int64(_statement, index, value));

    /// <summary>Binds text (or NULL) to parameter <c>?<paramref name="index"/></c>.</summary>
    /// <param name="index">The 1-based parameter number.</param>
    /// <param name="value">The value.</param>
    public void Bind(int index, string? value) =>
        Check(_db, value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, StoredText.For(value, dropNul: false).AsSpan()));

    /// <summary>Runs the statement to completion and resets it for the next values.</summary>
    /// <exception cref="SqliteException">SQLite refused the statement (e.g. a constraint).</exception>
    public void Execute()
    {
        Check(_db, raw.sqlite3_step(_statement), raw.SQLITE_DONE);
        Check(_db, raw.sqlite3_reset(_statement));
    }

    /// <summary>Runs a statement that changes rows and resets it for the next values.</summary>
    /// <returns>The number of rows it changed.</returns>
    /// <exception cref="SqliteException">SQLite refused the statement.</exception>
    public int ExecuteChanges()
    {
        Execute();
        return raw.sqlite3_changes(_db);
    }

    /// <summary>Runs a statement that returns at most one row (e.g. <c>UPDATE ... RETURNING</c>) and resets it for the next values.</summary>
    /// <returns>The first column of the row as an integer, or <see langword="null"/> when it returned no row.</returns>
    /// <exception cref="SqliteException">SQLite refused the statement.</exception>
    public long? ExecuteScalarInt64()
    {
        var result = raw.sqlite3_step(_statement);
        if (result == raw.SQLITE_DONE)
        {
            Check(_db, raw.sqlite3_reset(_statement));
            return null;
        }

        Check(_db, result, raw.SQLITE_ROW);
        var value = raw.sqlite3_column_int64(_statement, 0);
        Check(_db, raw.sqlite3_step(_statement), raw.SQLITE_DONE);
        Check(_db, raw.sqlite3_reset(_statement));
        return value;
    }

    /// <summary>Finalizes the statement.</summary>
    public void Dispose() => _statement?.Dispose();

    /// <summary>Throws a <see cref="SqliteException"/> with SQLite's message when <paramref name="result"/> is not <paramref name="expected"/>.</summary>
    /// <param name="db">The connection handle.</param>
    /// <param name="result">The result code of a call.</param>
    /// <param name="expected">The code that means success.</param>
    /// <exception cref="SqliteException"><paramref name="result"/> differs from <paramref name="expected"/>.</exception>
    public static void Check(sqlite3 db, int result, int expected = raw.SQLITE_OK)
    {
        if (result != expected)
        {
            throw new SqliteException($"SQLite Error {result}: '{raw.sqlite3_errmsg(db).utf8_to_string()}'.", result);
        }
    }
}
