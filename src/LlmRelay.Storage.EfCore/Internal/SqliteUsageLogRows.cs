using System.Linq.Expressions;
using System.Reflection;
using LlmRelay.Usage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using SQLitePCL;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Inserts usage-log rows into SQLite through one prepared statement bound with SQLite's own calls.</summary>
/// <remarks>
/// <para>
/// ADO.NET binding costs more than the insert itself here: Microsoft.Data.Sqlite looks every parameter up by name (a
/// UTF-8 copy of the name and a binder object per parameter and row), values are boxed into <c>DbParameter.Value</c>,
/// and each <c>ExecuteScalar</c> builds a data reader. Measured with dotnet-trace on the gateway under load, that was a
/// fifth of everything the process allocated. Here each column has a compiled binder that reads the property, applies
/// the model's value converter and binds by position without boxing; text is bound as UTF-16 spans.
/// </para>
/// <para>
/// The statement runs on the context's own connection, so it is part of the caller's transaction. Instances hold only
/// the SQL and the compiled binders and are thread-safe; a statement lives for one batch.
/// </para>
/// </remarks>
internal sealed class SqliteUsageLogRows
{
    private readonly string _sql;
    private readonly Func<sqlite3_stmt, int, UsageLog, int>[] _binders;

    /// <summary>Creates the writer for a single-row <c>INSERT</c> whose parameters are the columns in order.</summary>
    /// <remarks>
    /// The table's key must be its rowid (<c>INTEGER PRIMARY KEY</c>): each row's id is read with
    /// <c>sqlite3_last_insert_rowid</c>. <c>RETURNING</c> would cost more: SQLite collects returned rows in a temporary
    /// b-tree per execution.
    /// </remarks>
    /// <param name="sql">The statement; its <c>n</c>-th parameter (1-based) is column <c>n - 1</c>.</param>
    /// <param name="columns">Per column: the property it comes from and the model's converter, if any.</param>
    public SqliteUsageLogRows(string sql, IEnumerable<(PropertyInfo Property, ValueConverter? Converter)> columns)
    {
        _sql = sql;
        _binders = [.. columns.Select(static c => CompileBinder(c.Property, c.Converter))];
    }

    /// <summary>Inserts <paramref name="logs"/> and sets each row's <see cref="UsageLog.Id"/>.</summary>
    /// <param name="connection">The open connection, inside the caller's transaction.</param>
    /// <param name="logs">The rows.</param>
    public void Insert(SqliteConnection connection, IReadOnlyList<UsageLog> logs)
    {
        var db = connection.Handle!;
        SqliteRawStatement.Check(db, raw.sqlite3_prepare_v2(db, _sql, out var statement));
        using (statement)
        {
            foreach (var log in logs)
            {
                for (var i = 0; i < _binders.Length; i++)
                {
                    // A value SQLite refuses (e.g. SQLITE_TOOBIG) must fail the row, not leave the previous row's value bound.
                    SqliteRawStatement.Check(db, _binders[i](statement, i + 1, log));
                }

                SqliteRawStatement.Check(db, raw.sqlite3_step(statement), raw.SQLITE_DONE);
                log.Id = raw.sqlite3_last_insert_rowid(db);
                SqliteRawStatement.Check(db, raw.sqlite3_reset(statement));
            }
        }
    }

    // (statement, index, log) => bind(statement, index, convert(log.Property)), typed end to end; returns SQLite's result code.
    private static Func<sqlite3_stmt, int, UsageLog, int> CompileBinder(PropertyInfo property, ValueConverter? converter)
    {
        var statement = Expression.Parameter(typeof(sqlite3_stmt), "statement");
        var index = Expression.Parameter(typeof(int), "index");
        var log = Expression.Parameter(typeof(UsageLog), "log");
        var value = UsageLogColumnValue.Read(log, property, converter);
        var body = Bind(statement, index, value);
        return Expression.Lambda<Func<sqlite3_stmt, int, UsageLog, int>>(body, statement, index, log).Compile();
    }

    private static Expression Bind(ParameterExpression statement, ParameterExpression index, Expression value)
    {
        if (Nullable.GetUnderlyingType(value.Type) is not null)
        {
            var local = Expression.Variable(value.Type, "value");
            return Expression.Block(
                [local],
                Expression.Assign(local, value),
                Expression.Condition(
                    Expression.Property(local, "HasValue"),
                    Bind(statement, index, Expression.Property(local, "Value")),
                    Call(nameof(raw.sqlite3_bind_null), statement, index)));
        }

        var type = value.Type.IsEnum ? Enum.GetUnderlyingType(value.Type) : value.Type;
        if (value.Type.IsEnum)
        {
            value = Expression.Convert(value, type);
        }

        if (type == typeof(string))
        {
            return Expression.Call(typeof(SqliteUsageLogRows).GetMethod(nameof(BindText), BindingFlags.NonPublic | BindingFlags.Static)!, statement, index, value);
        }

        if (type == typeof(bool))
        {
            return Call(nameof(raw.sqlite3_bind_int), statement, index, Expression.Condition(value, Expression.Constant(1), Expression.Constant(0)));
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return Call(nameof(raw.sqlite3_bind_double), statement, index, Expression.Convert(value, typeof(double)));
        }

        if (type == typeof(long) || type == typeof(int) || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ushort) || type == typeof(sbyte))
        {
            return Call(nameof(raw.sqlite3_bind_int64), statement, index, Expression.Convert(value, typeof(long)));
        }

        throw new NotSupportedException($"Usage-log column of type {value.Type} has no SQLite binding; map it with a value converter.");
    }

    private static int BindText(sqlite3_stmt statement, int index, string? text) =>
        text is null ? raw.sqlite3_bind_null(statement, index) : raw.sqlite3_bind_text16(statement, index, StoredText.For(text, dropNul: false).AsSpan());

    private static MethodCallExpression Call(string name, params Expression[] arguments)
    {
        var types = arguments.Select(static a => a.Type).ToArray();
        var method = typeof(raw).GetMethod(name, types) ?? throw new MissingMethodException(nameof(raw), name);
        return Expression.Call(method, arguments);
    }
}
