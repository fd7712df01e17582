using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Inserts usage-log rows with raw parameterised commands built once from the EF model.</summary>
/// <remarks>
/// Columns, conversions (e.g. DateTimeOffset to Unix milliseconds) and the table name come from the model, so
/// the SQL follows the mapping and its migrations. SQLite runs one prepared single-row statement per row (an
/// in-process call, cheaper than a wide statement); PostgreSQL sends multi-row statements to save round trips.
/// Both read the generated ids back with <c>RETURNING</c>. Thread-safe: instances hold only immutable metadata.
/// </remarks>
internal sealed class UsageLogInserter
{
    private const int PostgreSqlRowsPerStatement = 200;
    private static readonly ConcurrentDictionary<IModel, UsageLogInserter> Cache = new();

    private readonly string _table;
    private readonly Column[] _columns;
    private readonly string _idColumn;
    private readonly bool _isSqlite;
    private readonly ConcurrentDictionary<int, string> _sqlByRows = new();

    private UsageLogInserter(IModel model, bool isSqlite)
    {
        var entity = model.FindEntityType(typeof(UsageLog)) ?? throw new InvalidOperationException("UsageLog is not mapped.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        _isSqlite = isSqlite;
        _table = Quote(entity.GetTableName()!);
        var key = entity.FindPrimaryKey()!.Properties[0];
        _idColumn = Quote(key.GetColumnName(table)!);
        _columns = [.. entity.GetProperties()
            .Where(p => p != key)
            .Select(p => new Column(Quote(p.GetColumnName(table)!), p.PropertyInfo!, p.GetTypeMapping().Converter))];
    }

    public static UsageLogInserter For(LlmRelayDbContext db) =>
        Cache.GetOrAdd(db.Model, static (model, isSqlite) => new UsageLogInserter(model, isSqlite), db.Database.IsSqlite());

    public async Task InsertAsync(LlmRelayDbContext db, IReadOnlyList<UsageLog> logs, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (_isSqlite)
        {
            var single = CreateCommand(connection, transaction, 1);
            await using (single.ConfigureAwait(false))
            {
                await single.PrepareAsync(cancellationToken).ConfigureAwait(false);
                foreach (var log in logs)
                {
                    Bind(single, 0, log);
                    log.Id = Convert.ToInt64(await single.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return;
        }

        for (var offset = 0; offset < logs.Count; offset += PostgreSqlRowsPerStatement)
        {
            var rows = Math.Min(PostgreSqlRowsPerStatement, logs.Count - offset);
            var command = CreateCommand(connection, transaction, rows);
            await using (command.ConfigureAwait(false))
            {
                for (var row = 0; row < rows; row++)
                {
                    Bind(command, row, logs[offset + row]);
                }

                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    for (var row = 0; row < rows && await reader.ReadAsync(cancellationToken).ConfigureAwait(false); row++)
                    {
                        logs[offset + row].Id = reader.GetInt64(0);
                    }
                }
            }
        }
    }

    private DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction, int rows)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = _sqlByRows.GetOrAdd(rows, BuildSql);
        for (var row = 0; row < rows; row++)
        {
            for (var column = 0; column < _columns.Length; column++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = ParameterName(row, column);
                command.Parameters.Add(parameter);
            }
        }

        return command;
    }

    private void Bind(DbCommand command, int row, UsageLog log)
    {
        var offset = row * _columns.Length;
        for (var column = 0; column < _columns.Length; column++)
        {
            var spec = _columns[column];
            var value = spec.Property.GetValue(log);
            if (value is not null && spec.Converter is not null)
            {
                value = spec.Converter.ConvertToProvider(value);
            }

            command.Parameters[offset + column].Value = value ?? DBNull.Value;
        }
    }

    private string BuildSql(int rows)
    {
        var sql = new StringBuilder("INSERT INTO ").Append(_table).Append(" (");
        sql.AppendJoin(", ", _columns.Select(static c => c.Name)).Append(") VALUES ");
        for (var row = 0; row < rows; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            for (var column = 0; column < _columns.Length; column++)
            {
                sql.Append(column == 0 ? "" : ", ").Append(ParameterName(row, column));
            }

            sql.Append(')');
        }

        return sql.Append(" RETURNING ").Append(_idColumn).ToString();
    }

    private static string ParameterName(int row, int column) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"@p{row}_{column}");

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private sealed record Column(string Name, System.Reflection.PropertyInfo Property, Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter? Converter);
}
