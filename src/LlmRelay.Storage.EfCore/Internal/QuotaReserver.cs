using System.Collections.Concurrent;
using LlmRelay.Tokens;
using LlmRelay.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Reserves quota from a token and its user, both or neither (see <see cref="ITokenStore.TryReserveQuotaAsync"/>).</summary>
/// <remarks>
/// <para>
/// PostgreSQL, one statement (one round trip, atomic as any statement): lock the token row, take the user's quota only if the
/// token allows the amount, then take the token's only if the user's was taken (or it has no user):
/// <code>
/// WITH token AS (SELECT user_id, unlimited_quota OR remain_quota &gt;= $2 AS ok FROM tokens WHERE id = $1 FOR UPDATE),
///      wallet AS (UPDATE users SET quota = quota - $2 FROM token WHERE id = token.user_id AND token.ok AND quota &gt;= $2 RETURNING 1),
///      cap AS (UPDATE tokens SET remain_quota = remain_quota - $2 FROM token WHERE id = $1 AND token.ok AND (token.user_id = 0 OR EXISTS (SELECT 1 FROM wallet)) RETURNING 1),
///      ledger AS (INSERT INTO quota_reservations (instance_id, token_id, user_id, amount) SELECT $3, $1, token.user_id, $2 FROM token WHERE EXISTS (SELECT 1 FROM cap)
///                 ON CONFLICT (instance_id, token_id) DO UPDATE SET amount = quota_reservations.amount + EXCLUDED.amount)
/// SELECT token.ok, EXISTS (SELECT 1 FROM cap) FROM token
/// </code>
/// The reservation is recorded for this instance (<see cref="QuotaReservationLedger"/>) in the same statement, so a crash
/// can never leave quota taken and unrecorded. The token row is locked before the user row and the record, the order the usage-log settlement takes them in, so the two cannot deadlock.
/// Under READ COMMITTED the lock and both updates see the newest committed balances, so the conditions hold at commit.
/// </para>
/// <para>
/// SQLite (in-process, one writer at a time): reservations are grouped (<see cref="QuotaReservationQueue"/>) and a group
/// runs in one <c>BEGIN IMMEDIATE</c> transaction: per reservation, the token's conditional
/// <c>UPDATE ... RETURNING user_id</c>, then the user's conditional <c>UPDATE</c>; a short user gives the token its amount
/// back in the same transaction, so each reservation is still both-or-neither, and the conditions are checked one after
/// the other against the balances the previous ones left; a reservation made adds its amount to this instance's
/// <c>quota_reservations</c> record in the same transaction.
/// </para>
/// <para>Table and column names come from the EF model. Thread-safe: instances hold only the SQL text.</para>
/// </remarks>
internal sealed class QuotaReserver
{
    private static readonly ConcurrentDictionary<IModel, QuotaReserver> Cache = new();

    private readonly bool _isSqlite;
    private readonly string _postgreSql;
    private readonly string _sqliteToken;
    private readonly string _sqliteUser;
    private readonly string _sqliteTokenBack;
    private readonly string _sqliteRecord;

    private QuotaReserver(IModel model, ISqlGenerationHelper sql, bool isSqlite)
    {
        _isSqlite = isSqlite;
        var (tokens, tokenColumn) = Table(model, typeof(ApiToken), sql);
        var (users, userColumn) = Table(model, typeof(RelayUser), sql);
        var tokenId = tokenColumn(nameof(ApiToken.Id));
        var userIdOfToken = tokenColumn(nameof(ApiToken.UserId));
        var remain = tokenColumn(nameof(ApiToken.RemainQuota));
        var unlimited = tokenColumn(nameof(ApiToken.UnlimitedQuota));
        var userId = userColumn(nameof(RelayUser.Id));
        var quota = userColumn(nameof(RelayUser.Quota));
        var (records, recordColumn) = Table(model, typeof(QuotaReservationRecord), sql);
        var recordKey = $"{recordColumn(nameof(QuotaReservationRecord.InstanceId))}, {recordColumn(nameof(QuotaReservationRecord.TokenId))}";
        var recordColumns = $"{recordKey}, {recordColumn(nameof(QuotaReservationRecord.UserId))}, {recordColumn(nameof(QuotaReservationRecord.Amount))}";
        var recordAmount = recordColumn(nameof(QuotaReservationRecord.Amount));
        var addToRecord = $"ON CONFLICT ({recordKey}) DO UPDATE SET {recordAmount} = {records}.{recordAmount} + EXCLUDED.{recordAmount}";

        _postgreSql =
            $"WITH token AS (SELECT {userIdOfToken} AS user_id, {unlimited} OR {remain} >= $2 AS ok FROM {tokens} WHERE {tokenId} = $1 FOR UPDATE), " +
            $"wallet AS (UPDATE {users} AS u SET {quota} = u.{quota} - $2 FROM token WHERE u.{userId} = token.user_id AND token.ok AND u.{quota} >= $2 RETURNING 1), " +
            $"cap AS (UPDATE {tokens} AS t SET {remain} = t.{remain} - $2 FROM token WHERE t.{tokenId} = $1 AND token.ok AND (token.user_id = 0 OR EXISTS (SELECT 1 FROM wallet)) RETURNING 1), " +
            $"ledger AS (INSERT INTO {records} ({recordColumns}) SELECT $3, $1, token.user_id, $2 FROM token WHERE EXISTS (SELECT 1 FROM cap) {addToRecord}) " +
            "SELECT token.ok, EXISTS (SELECT 1 FROM cap) FROM token";
        _sqliteToken = $"UPDATE {tokens} SET {remain} = {remain} - ?2 WHERE {tokenId} = ?1 AND ({unlimited} OR {remain} >= ?2) RETURNING {userIdOfToken}";
        _sqliteUser = $"UPDATE {users} SET {quota} = {quota} - ?2 WHERE {userId} = ?1 AND {quota} >= ?2";
        _sqliteTokenBack = $"UPDATE {tokens} SET {remain} = {remain} + ?2 WHERE {tokenId} = ?1";
        _sqliteRecord = $"INSERT INTO {records} ({recordColumns}) VALUES (?1, ?2, ?3, ?4) {addToRecord}";
    }

    public static QuotaReserver For(LlmRelayDbContext db) =>
        Cache.GetOrAdd(db.Model, static (model, db) => new QuotaReserver(model, db.GetService<ISqlGenerationHelper>(), db.Database.IsSqlite()), db);

    /// <summary>PostgreSQL: takes <paramref name="amount"/> from the token and its user, or from neither, in one statement.</summary>
    /// <param name="db">The scope's context; its connection is opened and closed here.</param>
    /// <param name="tokenId">The token.</param>
    /// <param name="amount">The quota to take.</param>
    /// <param name="instanceId">The instance whose <c>quota_reservations</c> record the amount is added to.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    public async Task<QuotaReservation> ReservePostgreSqlAsync(LlmRelayDbContext db, long tokenId, long amount, long instanceId, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = new NpgsqlCommand(_postgreSql, (NpgsqlConnection)db.Database.GetDbConnection())
            {
                Parameters = { new NpgsqlParameter<long> { TypedValue = tokenId }, new NpgsqlParameter<long> { TypedValue = amount }, new NpgsqlParameter<long> { TypedValue = instanceId } },
            };
            await using (command.ConfigureAwait(false))
            {
                await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false) || !reader.GetBoolean(0))
                    {
                        return QuotaReservation.TokenInsufficient; // no such token, or its cap is reached
                    }

                    return reader.GetBoolean(1) ? QuotaReservation.Reserved : QuotaReservation.UserInsufficient;
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    /// <summary>SQLite: makes every reservation of <paramref name="requests"/>, in order, in one write transaction.</summary>
    /// <param name="db">A context of its own; its connection is opened and closed here.</param>
    /// <param name="requests">The reservations: token id and amount.</param>
    /// <param name="results">Receives each reservation's outcome, at the same index; valid only when the call returns.</param>
    /// <param name="instanceId">The instance whose <c>quota_reservations</c> records the amounts are added to.</param>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">The transaction failed; none of the reservations was made.</exception>
    public async Task ReserveSqliteAsync(LlmRelayDbContext db, IReadOnlyList<(long TokenId, long Amount)> requests, QuotaReservation[] results, long instanceId)
    {
        await db.Database.OpenConnectionAsync().ConfigureAwait(false);
        try
        {
            var transaction = await db.Database.BeginTransactionAsync().ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var connection = (Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection();
                using (var token = SqliteRawStatement.Prepare(connection, _sqliteToken))
                using (var user = SqliteRawStatement.Prepare(connection, _sqliteUser))
                using (var tokenBack = SqliteRawStatement.Prepare(connection, _sqliteTokenBack))
                using (var record = SqliteRawStatement.Prepare(connection, _sqliteRecord))
                {
                    for (var i = 0; i < requests.Count; i++)
                    {
                        var (tokenId, amount) = requests[i];
                        token.Bind(1, tokenId);
                        token.Bind(2, amount);
                        if (token.ExecuteScalarInt64() is not { } owner)
                        {
                            results[i] = QuotaReservation.TokenInsufficient; // no such token, or its cap is reached
                            continue;
                        }

                        if (owner != 0)
                        {
                            user.Bind(1, owner);
                            user.Bind(2, amount);
                            if (user.ExecuteChanges() != 1)
                            {
                                tokenBack.Bind(1, tokenId);
                                tokenBack.Bind(2, amount);
                                tokenBack.Execute();
                                results[i] = QuotaReservation.UserInsufficient;
                                continue;
                            }
                        }

                        record.Bind(1, instanceId);
                        record.Bind(2, tokenId);
                        record.Bind(3, owner);
                        record.Bind(4, amount);
                        record.Execute();
                        results[i] = QuotaReservation.Reserved;
                    }
                }

                await transaction.CommitAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Returns the delimited name of <paramref name="type"/>'s table and a function that delimits its columns' names by property.</summary>
    /// <param name="model">The model.</param>
    /// <param name="type">The entity type.</param>
    /// <param name="sql">The provider's SQL helper.</param>
    /// <returns>The table and the column namer.</returns>
    internal static (string Table, Func<string, string> Column) Table(IModel model, Type type, ISqlGenerationHelper sql)
    {
        var entity = model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not mapped.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        return (sql.DelimitIdentifier(entity.GetTableName()!, entity.GetSchema()), property => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!));
    }
}
