using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Tells a write the database refused because of the rows' data from one that failed because the database is unavailable.</summary>
/// <remarks>
/// <para>
/// Data errors fail the same way every time the same rows are written: PostgreSQL SQLSTATE classes 22 (data exception, e.g.
/// a numeric overflow), 23 (integrity constraint violation) and 54 (program limit exceeded, e.g. an index row larger than
/// a btree page allows); SQLite's <c>SQLITE_TOOBIG</c>, <c>SQLITE_CONSTRAINT</c>, <c>SQLITE_MISMATCH</c> and
/// <c>SQLITE_RANGE</c>; and a value the driver cannot encode (a string with a lone UTF-16 surrogate is not UTF-8, a number
/// out of its column's range). Everything else is treated as an outage and retried: connection failures and timeouts,
/// PostgreSQL classes 08 (connection), 53 (insufficient resources), 57P (shutdown), 40001/40P01 (serialization failure,
/// deadlock), and SQLite's <c>BUSY</c>, <c>LOCKED</c>, <c>IOERR</c>, <c>FULL</c> and the rest.
/// </para>
/// <para>The description names the error without the rows' values (PostgreSQL's detail, which may quote a row, is left out).</para>
/// </remarks>
internal static class UsageLogDataErrors
{
    private const int MaxReasonLength = 300;

    /// <summary>Returns why the database refused the data, or <see langword="null"/> when <paramref name="exception"/> is not a data error.</summary>
    /// <param name="exception">The failure of one append attempt (its inner exceptions are examined too).</param>
    /// <returns>A description safe to log, or <see langword="null"/>.</returns>
    public static string? Describe(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var reason = current switch
            {
                PostgresException pg when pg.SqlState.StartsWith("22", StringComparison.Ordinal) ||
                                          pg.SqlState.StartsWith("23", StringComparison.Ordinal) ||
                                          pg.SqlState.StartsWith("54", StringComparison.Ordinal) => $"PostgreSQL {pg.SqlState}: {pg.MessageText}",
                SqliteException sqlite when (sqlite.SqliteErrorCode & 0xFF) is SQLitePCL.raw.SQLITE_TOOBIG or SQLitePCL.raw.SQLITE_CONSTRAINT or SQLitePCL.raw.SQLITE_MISMATCH or SQLitePCL.raw.SQLITE_RANGE => sqlite.Message,
                EncoderFallbackException => "A text value is not valid UTF-16 (a lone surrogate) and cannot be encoded for the database.",
                InvalidCastException or OverflowException => $"A value cannot be converted to its column's type ({current.GetType().Name}).",
                _ => null,
            };
            if (reason is not null)
            {
                return reason.Length <= MaxReasonLength ? reason : reason[..MaxReasonLength] + "...";
            }
        }

        return null;
    }
}
