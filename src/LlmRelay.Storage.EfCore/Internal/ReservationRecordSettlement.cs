using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Takes settled reservations off this instance's <c>quota_reservations</c> records, in the usage-log writer's transaction.</summary>
/// <remarks>
/// <para>
/// Per token, the record's amount decreases by the quota the batch's rows reserved, but never below zero. When a sweep has
/// marked this instance <see cref="RelayInstance.Released"/> (it was cut off from the database past its lease and its records
/// were returned, see <see cref="QuotaReservationLedger"/>), a record that holds less than the rows reserved gives back only what
/// it holds: the difference, the shortfall, was returned already, and the writer charges it back to the token and the user in
/// the same transaction. Otherwise settlement returns the whole reserved amount, as it always has.
/// </para>
/// <para>
/// SQLite: per token, a <c>SELECT</c> and an <c>UPDATE</c> of the one record (prepared, in-process). PostgreSQL: one statement
/// in the settlement's batch (no extra round trip) that locks the records after the tokens and users, takes the amounts off and
/// returns the shortfalls, normally none.
/// </para>
/// </remarks>
internal sealed class ReservationRecordSettlement
{
    /// <summary>The name of the first column of the PostgreSQL statement's result, which tells it from the batch's other results.</summary>
    public const string ShortfallColumn = "shortfall_token_id";

    private static readonly ConcurrentDictionary<IModel, ReservationRecordSettlement> Cache = new();

    private readonly string _sqliteReleased;
    private readonly string _postgreSqlLock;
    private readonly string _sqliteSelect;
    private readonly string _sqliteUpdate;
    private readonly string _postgreSql;

    private ReservationRecordSettlement(IModel model, ISqlGenerationHelper sql)
    {
        var (records, column) = QuotaReserver.Table(model, typeof(QuotaReservationRecord), sql);
        var instance = column(nameof(QuotaReservationRecord.InstanceId));
        var token = column(nameof(QuotaReservationRecord.TokenId));
        var amount = column(nameof(QuotaReservationRecord.Amount));
        var (instances, instanceColumn) = QuotaReserver.Table(model, typeof(RelayInstance), sql);
        var instanceId = instanceColumn(nameof(RelayInstance.Id));
        var released = instanceColumn(nameof(RelayInstance.Released));
        _sqliteReleased = $"SELECT {released} FROM {instances} WHERE {instanceId} = ?1";
        _postgreSqlLock = $"SELECT 1 FROM {instances} WHERE {instanceId} = $1 FOR SHARE";
        _sqliteSelect = $"SELECT {amount} FROM {records} WHERE {instance} = ?1 AND {token} = ?2";
        _sqliteUpdate = $"UPDATE {records} SET {amount} = {amount} - ?3 WHERE {instance} = ?1 AND {token} = ?2";
        _postgreSql =
            "WITH d AS (SELECT * FROM unnest($2::bigint[], $3::bigint[]) AS d(token_id, reserved)), " +
            $"me AS (SELECT bool_or({released}) AS released FROM {instances} WHERE {instanceId} = $1), " +
            $"cur AS (SELECT r.{token} AS token_id, r.{amount} AS amount FROM {records} AS r JOIN d ON r.{token} = d.token_id WHERE r.{instance} = $1 ORDER BY r.{token} FOR UPDATE OF r), " +
            $"taken AS (UPDATE {records} AS r SET {amount} = r.{amount} - LEAST(cur.amount, d.reserved) FROM cur JOIN d ON d.token_id = cur.token_id WHERE r.{instance} = $1 AND r.{token} = cur.token_id) " +
            $"SELECT d.token_id AS {ShortfallColumn}, d.reserved - LEAST(COALESCE(cur.amount, 0), d.reserved) AS shortfall FROM d LEFT JOIN cur ON cur.token_id = d.token_id, me WHERE me.released AND d.reserved > COALESCE(cur.amount, 0)";
    }

    public static ReservationRecordSettlement For(LlmRelayDbContext db) =>
        Cache.GetOrAdd(db.Model, static (model, db) => new ReservationRecordSettlement(model, db.GetService<ISqlGenerationHelper>()), db);

    /// <summary>SQLite: takes the reserved amounts off the records.</summary>
    /// <param name="connection">The open connection, in the writer's transaction.</param>
    /// <param name="instanceId">This instance.</param>
    /// <param name="reserved">Per token: its user and the quota reserved for the batch's rows.</param>
    /// <returns>Per token whose record held less: its user and the shortfall.</returns>
    public List<(long TokenId, long UserId, long Shortfall)> ApplySqlite(
        Microsoft.Data.Sqlite.SqliteConnection connection,
        long instanceId,
        IReadOnlyCollection<KeyValuePair<long, (long UserId, long Reserved)>> reserved)
    {
        var shortfalls = new List<(long, long, long)>();
        if (reserved.Count == 0)
        {
            return shortfalls;
        }

        bool wasReleased;
        using (var flag = SqliteRawStatement.Prepare(connection, _sqliteReleased))
        {
            flag.Bind(1, instanceId);
            wasReleased = flag.ExecuteScalarInt64() is 1;
        }

        using var select = SqliteRawStatement.Prepare(connection, _sqliteSelect);
        using var update = SqliteRawStatement.Prepare(connection, _sqliteUpdate);
        foreach (var (tokenId, (userId, amount)) in reserved)
        {
            select.Bind(1, instanceId);
            select.Bind(2, tokenId);
            var held = select.ExecuteScalarInt64() ?? 0;
            var taken = Math.Min(Math.Max(held, 0), amount);
            if (taken > 0)
            {
                update.Bind(1, instanceId);
                update.Bind(2, tokenId);
                update.Bind(3, taken);
                update.Execute();
            }

            if (wasReleased && taken < amount)
            {
                shortfalls.Add((tokenId, userId, amount - taken));
            }
        }

        return shortfalls;
    }

    /// <summary>PostgreSQL: adds the statement that takes the reserved amounts off the records and returns the shortfalls (token id, shortfall).</summary>
    /// <param name="batch">The settlement's batch, after the token and user updates.</param>
    /// <param name="instanceId">This instance.</param>
    /// <param name="reserved">Per token: its user and the quota reserved for the batch's rows.</param>
    public void AddPostgreSqlCommand(NpgsqlBatch batch, long instanceId, IReadOnlyCollection<KeyValuePair<long, (long UserId, long Reserved)>> reserved)
    {
        if (reserved.Count == 0)
        {
            return;
        }

        var tokens = new long[reserved.Count];
        var amounts = new long[reserved.Count];
        var i = 0;
        foreach (var (tokenId, (_, amount)) in reserved)
        {
            (tokens[i], amounts[i]) = (tokenId, amount);
            i++;
        }

        // This instance's row first (a sweep marks it before deleting its records): the mark is final for this statement.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_postgreSqlLock) { Parameters = { new NpgsqlParameter<long> { TypedValue = instanceId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_postgreSql)
        {
            Parameters =
            {
                new NpgsqlParameter<long> { TypedValue = instanceId },
                new NpgsqlParameter<long[]> { TypedValue = tokens },
                new NpgsqlParameter<long[]> { TypedValue = amounts },
            },
        });
    }
}
