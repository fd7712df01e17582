using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using LlmRelay.Configuration;
using LlmRelay.Tokens;
using LlmRelay.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>
/// Makes quota reservations survive the process that made them: this instance's id and heartbeat, and the sweep that returns
/// to tokens and users what dead instances held reserved.
/// </summary>
/// <remarks>
/// <para>
/// Every reservation adds its amount to this instance's row for the token in <c>quota_reservations</c>, in the same statement
/// (PostgreSQL) or transaction (SQLite) that takes the quota (<see cref="QuotaReserver"/>); the usage-log writer's
/// transaction that settles the call subtracts it again (<see cref="UsageLogInserter"/>). Each process start is a new
/// instance with a random id, registered in <c>relay_instances</c> before its first reservation and refreshed every
/// <see cref="HeartbeatInterval"/> by <see cref="QuotaReservationSweeper"/>.
/// </para>
/// <para>
/// The rule: an instance whose heartbeat is older than <see cref="Lease"/> (or that has no row) is dead. <see cref="SweepAsync"/>
/// deletes every record of a dead instance and adds its amount back to the token's <c>remain_quota</c> and the user's
/// <c>quota</c>, in one transaction, so each record is released exactly once even when several instances sweep at the same
/// time (PostgreSQL: an advisory transaction lock serialises the sweeps; <c>DELETE ... RETURNING</c> feeds the updates, so
/// only what was deleted is returned; SQLite: one write transaction). A live instance's records are never touched: its
/// heartbeat is fresh, however long its calls take.
/// </para>
/// <para>
/// The sweep marks a dead instance <see cref="RelayInstance.Released"/>. If it was only cut off from the database for longer
/// than the lease, its later settlements see the mark and take back at most what its records still hold, charging the rest
/// (<see cref="ReservationRecordSettlement"/>), so a reservation is never returned twice. A dead instance's row is deleted
/// <see cref="ForgetAfter"/> after its last heartbeat.
/// </para>
/// </remarks>
internal sealed class QuotaReservationLedger
{
    /// <summary>How long after its last heartbeat a dead instance's row is deleted.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromDays(1);

    // Serialises the sweeps of all instances sharing a PostgreSQL database ("LlmRelayQuotaSweep" in 8 bytes).
    private const long SweepLockKey = 0x4C6C6D52_656C6179;

    private readonly IDbContextFactory<LlmRelayDbContext> _contexts;
    private readonly TimeProvider _time;
    private readonly Lock _registering = new();
    private Task? _registration;
    private volatile bool _registered;

    /// <summary>Initializes a new instance of the <see cref="QuotaReservationLedger"/> class with a new random instance id.</summary>
    /// <param name="contexts">Creates the contexts the heartbeat and the sweep run on.</param>
    /// <param name="time">The clock of the heartbeats and the lease.</param>
    /// <param name="options">The heartbeat interval and the lease (<c>LlmRelay:Quota</c>), read once.</param>
    public QuotaReservationLedger(IDbContextFactory<LlmRelayDbContext> contexts, TimeProvider time, IOptions<LlmRelayOptions> options)
    {
        _contexts = contexts;
        _time = time;
        HeartbeatInterval = options.Value.Quota.InstanceHeartbeat;
        Lease = options.Value.Quota.InstanceLease;
        long id;
        do
        {
            id = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long))) & long.MaxValue;
        }
        while (id == 0);

        InstanceId = id;
    }

    /// <summary>Gets this instance's id: the <c>instance_id</c> of the reservations it makes.</summary>
    public long InstanceId { get; }

    /// <summary>Gets how often this instance writes its heartbeat and sweeps (<see cref="QuotaOptions.InstanceHeartbeat"/>).</summary>
    public TimeSpan HeartbeatInterval { get; }

    /// <summary>Gets how old an instance's heartbeat may get before the instance counts as dead and its reservations are released (<see cref="QuotaOptions.InstanceLease"/>).</summary>
    public TimeSpan Lease { get; }

    /// <summary>Registers this instance before its first reservation; afterwards completes at once, without a database call.</summary>
    /// <returns>A task that completes when the instance has a heartbeat row.</returns>
    public ValueTask EnsureRegisteredAsync() => _registered ? ValueTask.CompletedTask : new ValueTask(RegisterAsync());

    /// <summary>Writes this instance's heartbeat (and so registers it).</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the heartbeat is stored.</returns>
    public async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        var db = await _contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var sql = Sql.For(db);
            await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var command = Command(db, sql.Heartbeat, _time.GetUtcNow().ToUnixTimeMilliseconds());
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _registered = true;
            }
            finally
            {
                await db.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Returns what dead instances held reserved to the tokens and users, and forgets the dead instances.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The number of records released and the quota they held.</returns>
    public async Task<(long Records, long Quota)> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = (_time.GetUtcNow() - Lease).ToUnixTimeMilliseconds();
        var db = await _contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var sql = Sql.For(db);
            await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    (long, long) released = default;
                    foreach (var statement in sql.Sweep)
                    {
                        using var command = Command(db, statement, cutoff);
                        command.Transaction = transaction.GetDbTransaction();
                        if (statement.StartsWith(Sql.TotalsMarker, StringComparison.Ordinal))
                        {
                            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                            await using (reader.ConfigureAwait(false))
                            {
                                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                                released = (reader.GetInt64(0), reader.GetInt64(1));
                            }
                        }
                        else
                        {
                            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return released;
                }
            }
            finally
            {
                await db.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    private Task RegisterAsync()
    {
        lock (_registering)
        {
            // One registration at a time; a failed one is tried again by the next reservation.
            if (_registration is null || _registration.IsFaulted || _registration.IsCanceled)
            {
                _registration = HeartbeatAsync(CancellationToken.None);
            }

            return _registration;
        }
    }

    private DbCommand Command(LlmRelayDbContext db, string text, long time)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = text;
        Add(command, "@me", InstanceId);
        Add(command, "@time", time);
        return command;

        static void Add(DbCommand command, string name, long value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>The statements, built once per model from its table and column names.</summary>
    private sealed class Sql
    {
        /// <summary>The prefix of the sweep statement whose row is the number of records released and their quota.</summary>
        public const string TotalsMarker = "/* totals */";

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Microsoft.EntityFrameworkCore.Metadata.IModel, Sql> Cache = new();

        private Sql(LlmRelayDbContext db)
        {
            var helper = db.GetService<ISqlGenerationHelper>();
            var (tokens, token) = QuotaReserver.Table(db.Model, typeof(ApiToken), helper);
            var (users, user) = QuotaReserver.Table(db.Model, typeof(RelayUser), helper);
            var (records, record) = QuotaReserver.Table(db.Model, typeof(QuotaReservationRecord), helper);
            var (instances, instance) = QuotaReserver.Table(db.Model, typeof(RelayInstance), helper);
            var instanceId = instance(nameof(RelayInstance.Id));
            var heartbeat = instance(nameof(RelayInstance.HeartbeatAt));
            var released = instance(nameof(RelayInstance.Released));
            var owner = record(nameof(QuotaReservationRecord.InstanceId));
            var tokenOf = record(nameof(QuotaReservationRecord.TokenId));
            var userOf = record(nameof(QuotaReservationRecord.UserId));
            var amount = record(nameof(QuotaReservationRecord.Amount));
            var tokenId = token(nameof(ApiToken.Id));
            var remain = token(nameof(ApiToken.RemainQuota));
            var userId = user(nameof(RelayUser.Id));
            var quota = user(nameof(RelayUser.Quota));

            Heartbeat = $"INSERT INTO {instances} ({instanceId}, {heartbeat}, {released}) VALUES (@me, @time, FALSE) " +
                $"ON CONFLICT ({instanceId}) DO UPDATE SET {heartbeat} = EXCLUDED.{heartbeat}";

            // @time is the cutoff here: an instance whose heartbeat is older (or missing) is dead.
            var dead = $"r.{owner} <> @me AND NOT EXISTS (SELECT 1 FROM {instances} AS i WHERE i.{instanceId} = r.{owner} AND i.{heartbeat} >= @time)";
            // Dead instances are marked (before their records are deleted: the order a settlement locks them in), so that one
            // that was only cut off settles at most what its records still hold; a day after its last heartbeat it is forgotten.
            var markInstances = $"UPDATE {instances} SET {released} = TRUE WHERE {heartbeat} < @time AND {instanceId} <> @me AND NOT {released}";
            var forgetInstances = $"DELETE FROM {instances} WHERE {heartbeat} < @time - {(long)ForgetAfter.TotalMilliseconds} AND {instanceId} <> @me";
            if (db.Database.IsSqlite())
            {
                // One write transaction (BEGIN IMMEDIATE): nothing changes between these statements.
                Sweep =
                [
                    markInstances,
                    $"UPDATE {tokens} AS x SET {remain} = x.{remain} + g.amount FROM (SELECT r.{tokenOf} AS id, sum(r.{amount}) AS amount FROM {records} AS r WHERE {dead} GROUP BY r.{tokenOf}) AS g WHERE x.{tokenId} = g.id",
                    $"UPDATE {users} AS x SET {quota} = x.{quota} + g.amount FROM (SELECT r.{userOf} AS id, sum(r.{amount}) AS amount FROM {records} AS r WHERE {dead} GROUP BY r.{userOf}) AS g WHERE x.{userId} = g.id",
                    $"{TotalsMarker} SELECT count(*), coalesce(sum(r.{amount}), 0) FROM {records} AS r WHERE {dead}",
                    $"DELETE FROM {records} AS r WHERE {dead}",
                    forgetInstances,
                ];
            }
            else
            {
                // The token rows, then the user rows, are locked in ascending id order (the order reservations and settlements
                // take them in), then the records are deleted and exactly what was deleted is returned.
                Sweep =
                [
                    $"SELECT pg_advisory_xact_lock({SweepLockKey.ToString(CultureInfo.InvariantCulture)})",
                    $"SELECT 1 FROM {tokens} WHERE {tokenId} IN (SELECT r.{tokenOf} FROM {records} AS r WHERE {dead}) ORDER BY {tokenId} FOR UPDATE",
                    $"SELECT 1 FROM {users} WHERE {userId} IN (SELECT r.{userOf} FROM {records} AS r WHERE {dead}) ORDER BY {userId} FOR UPDATE",
                    markInstances,
                    $"{TotalsMarker} WITH gone AS (DELETE FROM {records} AS r WHERE {dead} RETURNING r.{tokenOf} AS token_id, r.{userOf} AS user_id, r.{amount} AS amount), " +
                    $"t AS (UPDATE {tokens} AS x SET {remain} = x.{remain} + g.amount FROM (SELECT token_id, sum(amount)::bigint AS amount FROM gone GROUP BY token_id) AS g WHERE x.{tokenId} = g.token_id), " +
                    $"u AS (UPDATE {users} AS x SET {quota} = x.{quota} + g.amount FROM (SELECT user_id, sum(amount)::bigint AS amount FROM gone GROUP BY user_id) AS g WHERE x.{userId} = g.user_id) " +
                    "SELECT count(*), coalesce(sum(amount), 0)::bigint FROM gone",
                    forgetInstances,
                ];
            }
        }

        /// <summary>Gets the upsert of this instance's heartbeat (<c>@me</c>, <c>@time</c>).</summary>
        public string Heartbeat { get; }

        /// <summary>Gets the sweep's statements, run in order in one transaction (<c>@me</c>, <c>@time</c> the cutoff).</summary>
        public IReadOnlyList<string> Sweep { get; }

        public static Sql For(LlmRelayDbContext db) => Cache.GetOrAdd(db.Model, static (_, db) => new Sql(db), db);
    }
}
