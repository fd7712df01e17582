using System.Collections.Concurrent;
using System.Data.Common;
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
///      cap AS (UPDATE tokens SET remain_quota = remain_quota - $2 FROM token WHERE id = $1 AND token.ok AND (token.user_id = 0 OR EXISTS (SELECT 1 FROM wallet)) RETURNING 1)
/// SELECT token.ok, EXISTS (SELECT 1 FROM cap) FROM token
/// </code>
/// The token row is locked before the user row, the order the usage-log settlement takes them in, so the two cannot deadlock.
/// Under READ COMMITTED the lock and both updates see the newest committed balances, so the conditions hold at commit.
/// </para>
/// <para>
/// SQLite (in-process, one writer at a time): a <c>BEGIN IMMEDIATE</c> transaction with the token's conditional
/// <c>UPDATE ... RETURNING user_id</c>, then the user's conditional <c>UPDATE</c>; a short balance rolls both back.
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

        _postgreSql =
            $"WITH token AS (SELECT {userIdOfToken} AS user_id, {unlimited} OR {remain} >= $2 AS ok FROM {tokens} WHERE {tokenId} = $1 FOR UPDATE), " +
            $"wallet AS (UPDATE {users} AS u SET {quota} = u.{quota} - $2 FROM token WHERE u.{userId} = token.user_id AND token.ok AND u.{quota} >= $2 RETURNING 1), " +
            $"cap AS (UPDATE {tokens} AS t SET {remain} = t.{remain} - $2 FROM token WHERE t.{tokenId} = $1 AND token.ok AND (token.user_id = 0 OR EXISTS (SELECT 1 FROM wallet)) RETURNING 1) " +
            "SELECT token.ok, EXISTS (SELECT 1 FROM cap) FROM token";
        _sqliteToken = $"UPDATE {tokens} SET {remain} = {remain} - @amount WHERE {tokenId} = @id AND ({unlimited} OR {remain} >= @amount) RETURNING {userIdOfToken}";
        _sqliteUser = $"UPDATE {users} SET {quota} = {quota} - @amount WHERE {userId} = @id AND {quota} >= @amount";
    }

    public static QuotaReserver For(LlmRelayDbContext db) =>
        Cache.GetOrAdd(db.Model, static (model, db) => new QuotaReserver(model, db.GetService<ISqlGenerationHelper>(), db.Database.IsSqlite()), db);

    /// <summary>Takes <paramref name="amount"/> from the token and its user, or from neither.</summary>
    /// <param name="db">The scope's context; its connection is opened and closed here.</param>
    /// <param name="tokenId">The token.</param>
    /// <param name="amount">The quota to take.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    public async Task<QuotaReservation> ReserveAsync(LlmRelayDbContext db, long tokenId, long amount, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _isSqlite
                ? await ReserveSqliteAsync(db, tokenId, amount, cancellationToken).ConfigureAwait(false)
                : await ReservePostgreSqlAsync((NpgsqlConnection)db.Database.GetDbConnection(), tokenId, amount, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private async Task<QuotaReservation> ReservePostgreSqlAsync(NpgsqlConnection connection, long tokenId, long amount, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(_postgreSql, connection)
        {
            Parameters = { new NpgsqlParameter<long> { TypedValue = tokenId }, new NpgsqlParameter<long> { TypedValue = amount } },
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

    private async Task<QuotaReservation> ReserveSqliteAsync(LlmRelayDbContext db, long tokenId, long amount, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var connection = db.Database.GetDbConnection();
            var owner = await ExecuteAsync(connection, transaction.GetDbTransaction(), _sqliteToken, tokenId, amount, returning: true, cancellationToken).ConfigureAwait(false);
            if (owner is not long userId)
            {
                return QuotaReservation.TokenInsufficient; // disposing the transaction rolls back
            }

            if (userId != 0 && await ExecuteAsync(connection, transaction.GetDbTransaction(), _sqliteUser, userId, amount, returning: false, cancellationToken).ConfigureAwait(false) is null)
            {
                return QuotaReservation.UserInsufficient;
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return QuotaReservation.Reserved;
        }
    }

    // Runs an UPDATE with @id and @amount: the RETURNING value, 0 when it updated a row without returning one, null when it updated none.
    private static async Task<long?> ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, long id, long amount, bool returning, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
            command.CommandText = sql;
            AddParameter(command, "@id", id);
            AddParameter(command, "@amount", amount);
            if (returning)
            {
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null;
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? 0 : null;
        }
    }

    private static void AddParameter(DbCommand command, string name, long value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static (string Table, Func<string, string> Column) Table(IModel model, Type type, ISqlGenerationHelper sql)
    {
        var entity = model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not mapped.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        return (sql.DelimitIdentifier(entity.GetTableName()!, entity.GetSchema()), property => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!));
    }
}
