using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Writes one batch of usage-log rows and its quota settlement with raw commands built once from the EF model.</summary>
/// <remarks>
/// <para>
/// Tables, columns and conversions (e.g. DateTimeOffset to Unix milliseconds) come from the model, so the SQL follows
/// the mapping and its migrations. The caller owns the transaction; this type only issues statements inside it.
/// </para>
/// <para>
/// SQLite (in-process, one writer at a time): one prepared single-row <c>UPDATE</c> per distinct token and user, then one
/// prepared single-row <c>INSERT</c> per row (its id from <c>sqlite3_last_insert_rowid</c>), bound with SQLite's own calls (<see cref="SqliteUsageLogRows"/>).
/// Wide multi-row statements are slower there: binding is per parameter either way, and the extra SQL text costs more
/// than the calls it saves.
/// </para>
/// <para>
/// PostgreSQL (every statement is a round trip): one batch that takes the row locks of the touched tokens and users in
/// ascending id order (so two writers can never deadlock), applies all their deltas with one
/// <c>UPDATE ... FROM unnest(...)</c> per table and draws the batch's ids from the identity sequence; then one binary
/// <c>COPY</c> of every row with those ids; then one batch of hourly-rollup upserts (<see cref="UsageRollup"/>), last so
/// that its row locks, which every writer's batch contends for, are held only until the commit. Three round trips per
/// batch, whatever its size or number of tokens; the load benchmark (bench/RESULTS.md, <c>logwrite</c>) measured the
/// per-token <c>UPDATE</c>s and multi-row <c>INSERT</c>s it replaces at a third of the throughput.
/// </para>
/// <para>Thread-safe: instances hold only immutable metadata.</para>
/// </remarks>
internal sealed class UsageLogInserter
{
    private static readonly ConcurrentDictionary<IModel, UsageLogInserter> Cache = new();

    private readonly bool _isSqlite;
    private readonly Column[] _columns;
    private readonly string _copySql;
    private readonly string _nextIdsSql;
    private readonly Settlement _tokens;
    private readonly Settlement _users;
    private readonly SqliteUsageLogRows? _sqliteRows;

    private UsageLogInserter(IModel model, bool isSqlite)
    {
        _isSqlite = isSqlite;
        var log = Mapped(model, typeof(UsageLog), out var logTable);
        var key = log.FindPrimaryKey()!.Properties[0];
        var id = Quote(key.GetColumnName(logTable)!);
        var table = QualifiedName(log);
        _columns = [.. log.GetProperties()
            .Where(p => p != key)
            .Select(p => new Column(Quote(p.GetColumnName(logTable)!), p.PropertyInfo!, p.GetTypeMapping().Converter, p.GetColumnType(logTable)))];

        var names = string.Join(", ", _columns.Select(static c => c.Name));
        if (isSqlite)
        {
            _sqliteRows = new SqliteUsageLogRows(
                $"INSERT INTO {table} ({names}) VALUES ({string.Join(", ", _columns.Select(static (_, i) => "?" + (i + 1).ToString(CultureInfo.InvariantCulture)))})",
                _columns.Select(static c => (c.Property, c.Converter)));
        }

        _copySql = $"COPY {table} ({id}, {names}) FROM STDIN (FORMAT BINARY)";
        _nextIdsSql = $"SELECT nextval(pg_get_serial_sequence('{table.Replace("'", "''", StringComparison.Ordinal)}', '{key.GetColumnName(logTable)!.Replace("'", "''", StringComparison.Ordinal)}')) FROM generate_series(1, $1)";

        // Balance columns decrease by the delta, the others increase by theirs (see IUsageLogStore.AppendAsync).
        _tokens = Settlement.Create(model, typeof(ApiToken), isSqlite, nameof(ApiToken.RemainQuota), nameof(ApiToken.UsedQuota), null);
        _users = Settlement.Create(model, typeof(RelayUser), isSqlite, nameof(RelayUser.Quota), nameof(RelayUser.UsedQuota), nameof(RelayUser.RequestCount));
    }

    public static UsageLogInserter For(LlmRelayDbContext db) =>
        Cache.GetOrAdd(db.Model, static (model, isSqlite) => new UsageLogInserter(model, isSqlite), db.Database.IsSqlite());

    /// <summary>Settles the tokens and users, inserts the rows and sets their <see cref="UsageLog.Id"/>, and adds them to the hourly rollups, in the current transaction.</summary>
    /// <param name="db">The context whose connection and transaction are used; the connection is open.</param>
    /// <param name="logs">The rows.</param>
    /// <param name="tokens">Per token id, in ascending order: the balance decrease, used increase and request count.</param>
    /// <param name="users">Per user id, in ascending order: the same deltas.</param>
    /// <param name="reserved">Per token id, in ascending order: its user and the quota reserved for the rows, taken off this instance's records (<see cref="ReservationRecordSettlement"/>).</param>
    /// <param name="instanceId">This instance (<see cref="QuotaReservationLedger.InstanceId"/>).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    public Task WriteAsync(
        LlmRelayDbContext db,
        IReadOnlyList<UsageLog> logs,
        IReadOnlyCollection<KeyValuePair<long, (long Balance, long Used, long Requests)>> tokens,
        IReadOnlyCollection<KeyValuePair<long, (long Balance, long Used, long Requests)>> users,
        IReadOnlyCollection<KeyValuePair<long, (long UserId, long Reserved)>> reserved,
        long instanceId,
        CancellationToken cancellationToken)
    {
        var records = ReservationRecordSettlement.For(db);
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (_isSqlite)
        {
            var sqlite = (Microsoft.Data.Sqlite.SqliteConnection)connection;
            WriteSqlite(sqlite, logs, tokens, users);
            ChargeShortfallsSqlite(sqlite, records.ApplySqlite(sqlite, instanceId, reserved));
            return Task.CompletedTask;
        }

        return WritePostgreSqlAsync((NpgsqlConnection)connection, (NpgsqlTransaction?)transaction, logs, tokens, users, (records, reserved, instanceId), cancellationToken);
    }

    // SQLite runs in-process and every call below completes synchronously: there is nothing to await.
    private void WriteSqlite(
        Microsoft.Data.Sqlite.SqliteConnection sqlite,
        IReadOnlyList<UsageLog> logs,
        IReadOnlyCollection<KeyValuePair<long, (long Balance, long Used, long Requests)>> tokens,
        IReadOnlyCollection<KeyValuePair<long, (long Balance, long Used, long Requests)>> users)
    {
        _tokens.ApplySqlite(sqlite, tokens);
        _users.ApplySqlite(sqlite, users);
        if (logs.Count == 0)
        {
            return; // only settlements of dropped rows
        }

        _sqliteRows!.Insert(sqlite, logs);
        UsageRollup.Of(logs, postgreSql: false).ApplySqlite(sqlite, removeEmpty: false);
    }

    private async Task WritePostgreSqlAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        IReadOnlyList<UsageLog> logs,
        IReadOnlyCollection<KeyValuePair<long, (long Balance, long Used, long Requests)>> tokens,
        IReadOnlyCollection<KeyValuePair<long, (long Balance, long Used, long Requests)>> users,
        (ReservationRecordSettlement Settlement, IReadOnlyCollection<KeyValuePair<long, (long UserId, long Reserved)>> Reserved, long InstanceId) records,
        CancellationToken cancellationToken)
    {
        // Round trip 1: ids for the rows (first, so they are the first result set), then the settlement, then the
        // reservation records (locked after the tokens and users, as a reservation takes them).
        var shortfalls = new List<(long TokenId, long UserId, long Shortfall)>();
        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch.ConfigureAwait(false))
        {
            if (logs.Count > 0)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(_nextIdsSql) { Parameters = { new NpgsqlParameter<int> { TypedValue = logs.Count } } });
            }

            _tokens.AddPostgreSqlCommands(batch, tokens);
            _users.AddPostgreSqlCommands(batch, users);
            records.Settlement.AddPostgreSqlCommand(batch, records.InstanceId, records.Reserved);
            if (batch.BatchCommands.Count == 0)
            {
                return;
            }

            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                for (var row = 0; row < logs.Count && await reader.ReadAsync(cancellationToken).ConfigureAwait(false); row++)
                {
                    logs[row].Id = reader.GetInt64(0);
                }

                // The lock queries' rows are not needed; reading on surfaces errors of later statements.
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                    var shortfallRows = reader.FieldCount == 2 && reader.GetName(0) == ReservationRecordSettlement.ShortfallColumn;
                    while (shortfallRows && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var tokenId = reader.GetInt64(0);
                        shortfalls.Add((tokenId, records.Reserved.First(r => r.Key == tokenId).Value.UserId, reader.GetInt64(1)));
                    }
                }
            }
        }

        if (shortfalls.Count > 0)
        {
            // Rare (only after a sweep released this instance's records): one more round trip charges the shortfalls.
            var correction = new NpgsqlBatch(connection, transaction);
            await using (correction.ConfigureAwait(false))
            {
                var (tokenShortfalls, userShortfalls) = Shortfalls(shortfalls);
                _tokens.AddPostgreSqlCommands(correction, tokenShortfalls);
                _users.AddPostgreSqlCommands(correction, userShortfalls);
                await correction.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (logs.Count == 0)
        {
            return; // only settlements of dropped rows
        }

        // Round trip 2: every row in one binary COPY.
        var importer = await connection.BeginBinaryImportAsync(_copySql, cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var log in logs)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(log.Id, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                foreach (var column in _columns)
                {
                    await column.Copy(importer, log, cancellationToken).ConfigureAwait(false);
                }
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        // Round trip 3, last before COMMIT: the hourly rollups. Every writer's batch touches the current hour's rows, so
        // their row locks are taken as late as possible: held through the COPY, they would serialise the writers of
        // every instance sharing the database.
        var rollup = new NpgsqlBatch(connection, transaction);
        await using (rollup.ConfigureAwait(false))
        {
            UsageRollup.Of(logs, postgreSql: true).AddPostgreSqlCommands(rollup, removeEmpty: false);
            await rollup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void ChargeShortfallsSqlite(Microsoft.Data.Sqlite.SqliteConnection sqlite, List<(long TokenId, long UserId, long Shortfall)> shortfalls)
    {
        if (shortfalls.Count > 0)
        {
            var (tokenShortfalls, userShortfalls) = Shortfalls(shortfalls);
            _tokens.ApplySqlite(sqlite, tokenShortfalls);
            _users.ApplySqlite(sqlite, userShortfalls);
        }
    }

    /// <summary>Turns shortfalls into balance decreases of the tokens and users, each in ascending id order.</summary>
    private static (SortedDictionary<long, (long Balance, long Used, long Requests)> Tokens, SortedDictionary<long, (long Balance, long Used, long Requests)> Users) Shortfalls(
        List<(long TokenId, long UserId, long Shortfall)> shortfalls)
    {
        var tokens = new SortedDictionary<long, (long Balance, long Used, long Requests)>();
        var users = new SortedDictionary<long, (long Balance, long Used, long Requests)>();
        foreach (var (tokenId, userId, shortfall) in shortfalls)
        {
            tokens[tokenId] = (tokens.GetValueOrDefault(tokenId).Balance + shortfall, 0, 0);
            if (userId != 0)
            {
                users[userId] = (users.GetValueOrDefault(userId).Balance + shortfall, 0, 0);
            }
        }

        return (tokens, users);
    }

    private static IEntityType Mapped(IModel model, Type type, out StoreObjectIdentifier table)
    {
        var entity = model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not mapped.");
        table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        return entity;
    }

    private static string QualifiedName(IEntityType entity) =>
        entity.GetSchema() is { } schema ? Quote(schema) + "." + Quote(entity.GetTableName()!) : Quote(entity.GetTableName()!);

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A usage-log column: its quoted name, where its value comes from and its store type.</summary>
    private sealed record Column(string Name, System.Reflection.PropertyInfo Property, Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter? Converter, string StoreType)
    {
        /// <summary>Gets the compiled writer of this column's value into a PostgreSQL <c>COPY</c>.</summary>
        public Func<NpgsqlBinaryImporter, UsageLog, CancellationToken, Task> Copy { get; } = PostgreSqlUsageLogCopy.Compile(Property, Converter, StoreType);
    }

    /// <summary>The statements that move one table's quota columns by per-row deltas (tokens or users).</summary>
    /// <param name="SqliteSql">One row: <c>?1</c> id, <c>?2</c> balance decrease, <c>?3</c> used increase, <c>?4</c> requests.</param>
    /// <param name="LockSql">PostgreSQL: locks the rows of <c>$1</c> (ids) in ascending id order.</param>
    /// <param name="UpdateSql">PostgreSQL: applies arrays <c>$1</c> ids, <c>$2</c> balance decreases, <c>$3</c> used increases, <c>$4</c> requests.</param>
    /// <param name="HasRequests">Whether the table counts requests.</param>
    private sealed record Settlement(string SqliteSql, string LockSql, string UpdateSql, bool HasRequests)
    {
        public static Settlement Create(IModel model, Type type, bool isSqlite, string balance, string used, string? requests)
        {
            var entity = Mapped(model, type, out var table);
            var name = QualifiedName(entity);
            string Col(string property) => Quote(entity.FindProperty(property)!.GetColumnName(table)!);
            var id = Col(entity.FindPrimaryKey()!.Properties[0].Name);

            var sqlite = $"UPDATE {name} SET {Col(balance)} = {Col(balance)} - ?2, {Col(used)} = {Col(used)} + ?3";
            var update = $"UPDATE {name} AS t SET {Col(balance)} = t.{Col(balance)} - d.balance, {Col(used)} = t.{Col(used)} + d.used";
            if (requests is not null)
            {
                sqlite += $", {Col(requests)} = {Col(requests)} + ?4";
                update += $", {Col(requests)} = t.{Col(requests)} + d.requests";
            }

            sqlite += $" WHERE {id} = ?1";
            update += $" FROM unnest($1, $2, $3, $4) AS d(id, balance, used, requests) WHERE t.{id} = d.id";
            return isSqlite
                ? new Settlement(sqlite, "", "", requests is not null)
                : new Settlement("", $"SELECT 1 FROM {name} WHERE {id} = ANY($1) ORDER BY {id} FOR UPDATE", update, requests is not null);
        }

        public void ApplySqlite(
            Microsoft.Data.Sqlite.SqliteConnection connection,
            IReadOnlyCollection<KeyValuePair<long, (long Balance, long Used, long Requests)>> deltas)
        {
            if (deltas.Count == 0)
            {
                return;
            }

            using var statement = SqliteRawStatement.Prepare(connection, SqliteSql);
            foreach (var (id, (balance, used, requests)) in deltas)
            {
                statement.Bind(1, id);
                statement.Bind(2, balance);
                statement.Bind(3, used);
                if (HasRequests)
                {
                    statement.Bind(4, requests);
                }

                statement.Execute();
            }
        }

        public void AddPostgreSqlCommands(NpgsqlBatch batch, IReadOnlyCollection<KeyValuePair<long, (long Balance, long Used, long Requests)>> deltas)
        {
            if (deltas.Count == 0)
            {
                return;
            }

            var ids = new long[deltas.Count];
            var balances = new long[deltas.Count];
            var used = new long[deltas.Count];
            var requests = new long[deltas.Count];
            var i = 0;
            foreach (var (id, delta) in deltas)
            {
                (ids[i], balances[i], used[i], requests[i]) = (id, delta.Balance, delta.Used, delta.Requests);
                i++;
            }

            batch.BatchCommands.Add(new NpgsqlBatchCommand(LockSql) { Parameters = { new NpgsqlParameter<long[]> { TypedValue = ids } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(UpdateSql)
            {
                Parameters =
                {
                    new NpgsqlParameter<long[]> { TypedValue = ids },
                    new NpgsqlParameter<long[]> { TypedValue = balances },
                    new NpgsqlParameter<long[]> { TypedValue = used },
                    new NpgsqlParameter<long[]> { TypedValue = requests },
                },
            });
        }
    }
}
