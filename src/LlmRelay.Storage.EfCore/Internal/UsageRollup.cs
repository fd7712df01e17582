using System.Runtime.InteropServices;
using LlmRelay.Usage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>The change that appending or deleting a set of usage-log rows makes to the hourly rollups (<see cref="UsageHour"/>, <see cref="UserUsageHour"/>).</summary>
/// <remarks>
/// <para>
/// Rows are summed in memory per rollup key first, so each key is written once per batch: SQLite runs one prepared
/// upsert per key (bound with SQLite's own calls, <see cref="SqliteRawStatement"/>), PostgreSQL one <c>INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE</c> per table, added to
/// the batch's first round trip. Keys are written in one fixed order, so two writers that touch the same hours take
/// their row locks in the same order and cannot deadlock.
/// </para>
/// <para>
/// Deleting rows applies the same change with negative sums, then removes the keys left with no rows, in the
/// transaction that deleted the rows: the rollups stay equal to <c>usage_logs</c> even if pruning stops half-way.
/// </para>
/// </remarks>
internal sealed class UsageRollup
{
    /// <summary>The length of a rollup bucket.</summary>
    public const long MillisecondsPerHour = 3_600_000;

    /// <summary>The hour bucket of a Unix-milliseconds column, in SQL that SQLite and PostgreSQL evaluate alike (floor, negative times included).</summary>
    public const string HourOfCreatedAtSql = "(\"created_at\" - ((\"created_at\" % 3600000) + 3600000) % 3600000)";

    private const string HoursUpsertSqlite =
        """INSERT INTO "usage_hours" ("hour", "type", "model_name", "channel_id", "group", "log_count", "quota", "prompt_tokens", "completion_tokens") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT ("hour", "type", "model_name", "channel_id", "group") DO UPDATE SET "log_count" = "log_count" + excluded."log_count", "quota" = "quota" + excluded."quota", "prompt_tokens" = "prompt_tokens" + excluded."prompt_tokens", "completion_tokens" = "completion_tokens" + excluded."completion_tokens" """;

    private const string UserHoursUpsertSqlite =
        """INSERT INTO "usage_user_hours" ("user_id", "hour", "type", "model_name", "log_count", "quota", "prompt_tokens", "completion_tokens") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT ("user_id", "hour", "type", "model_name") DO UPDATE SET "log_count" = "log_count" + excluded."log_count", "quota" = "quota" + excluded."quota", "prompt_tokens" = "prompt_tokens" + excluded."prompt_tokens", "completion_tokens" = "completion_tokens" + excluded."completion_tokens" """;

    private const string HoursRemoveEmptySqlite =
        """DELETE FROM "usage_hours" WHERE "hour" = ?1 AND "type" = ?2 AND "model_name" = ?3 AND "channel_id" = ?4 AND "group" = ?5 AND "log_count" <= 0""";

    private const string UserHoursRemoveEmptySqlite =
        """DELETE FROM "usage_user_hours" WHERE "user_id" = ?1 AND "hour" = ?2 AND "type" = ?3 AND "model_name" = ?4 AND "log_count" <= 0""";

    private const string HoursUpsertPostgreSql =
        """INSERT INTO "usage_hours" AS h ("hour", "type", "model_name", "channel_id", "group", "log_count", "quota", "prompt_tokens", "completion_tokens") SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[]) ON CONFLICT ("hour", "type", "model_name", "channel_id", "group") DO UPDATE SET "log_count" = h."log_count" + excluded."log_count", "quota" = h."quota" + excluded."quota", "prompt_tokens" = h."prompt_tokens" + excluded."prompt_tokens", "completion_tokens" = h."completion_tokens" + excluded."completion_tokens" """;

    private const string UserHoursUpsertPostgreSql =
        """INSERT INTO "usage_user_hours" AS h ("user_id", "hour", "type", "model_name", "log_count", "quota", "prompt_tokens", "completion_tokens") SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[]) ON CONFLICT ("user_id", "hour", "type", "model_name") DO UPDATE SET "log_count" = h."log_count" + excluded."log_count", "quota" = h."quota" + excluded."quota", "prompt_tokens" = h."prompt_tokens" + excluded."prompt_tokens", "completion_tokens" = h."completion_tokens" + excluded."completion_tokens" """;

    private const string HoursRemoveEmptyPostgreSql =
        """DELETE FROM "usage_hours" AS h USING unnest($1::bigint[], $2::integer[], $3::text[], $4::bigint[], $5::text[]) AS d("hour", "type", "model_name", "channel_id", "group") WHERE h."hour" = d."hour" AND h."type" = d."type" AND h."model_name" = d."model_name" AND h."channel_id" = d."channel_id" AND h."group" = d."group" AND h."log_count" <= 0""";

    private const string UserHoursRemoveEmptyPostgreSql =
        """DELETE FROM "usage_user_hours" AS h USING unnest($1::bigint[], $2::bigint[], $3::integer[], $4::text[]) AS d("user_id", "hour", "type", "model_name") WHERE h."user_id" = d."user_id" AND h."hour" = d."hour" AND h."type" = d."type" AND h."model_name" = d."model_name" AND h."log_count" <= 0""";

    private readonly bool _dropNul;
    private readonly Dictionary<HourKey, Sums> _hours = [];
    private readonly Dictionary<UserHourKey, Sums> _userHours = [];

    /// <summary>Initializes a new instance of the <see cref="UsageRollup"/> class.</summary>
    /// <param name="postgreSql">Whether the keys are for PostgreSQL, which drops U+0000 from stored text (see <see cref="StoredText"/>).</param>
    public UsageRollup(bool postgreSql)
    {
        _dropNul = postgreSql;
    }

    /// <summary>Gets a value indicating whether no row was added.</summary>
    public bool IsEmpty => _hours.Count == 0;

    /// <summary>Returns the start of the hour (UTC) that contains <paramref name="unixMilliseconds"/>, in Unix milliseconds.</summary>
    /// <param name="unixMilliseconds">A time in Unix milliseconds.</param>
    /// <returns>The floor of the time to the hour, also for times before 1970.</returns>
    public static long HourOf(long unixMilliseconds) => unixMilliseconds - ((unixMilliseconds % MillisecondsPerHour) + MillisecondsPerHour) % MillisecondsPerHour;

    /// <summary>Returns the change that appending <paramref name="logs"/> makes.</summary>
    /// <param name="logs">The rows.</param>
    /// <param name="postgreSql">Whether the rows are stored on PostgreSQL.</param>
    /// <returns>The summed change.</returns>
    public static UsageRollup Of(IReadOnlyList<UsageLog> logs, bool postgreSql)
    {
        var rollup = new UsageRollup(postgreSql);
        foreach (var log in logs)
        {
            rollup.Add(log.CreatedAt.ToUnixTimeMilliseconds(), log.Type, log.UserId, log.ModelName, log.ChannelId, log.Group, log.Quota, log.PromptTokens, log.CompletionTokens, 1);
        }

        return rollup;
    }

    /// <summary>Adds one row, or takes it away when <paramref name="sign"/> is -1.</summary>
    /// <param name="createdAtMs">The row's creation time in Unix milliseconds.</param>
    /// <param name="type">The row's type.</param>
    /// <param name="userId">The row's user id.</param>
    /// <param name="modelName">The row's model name.</param>
    /// <param name="channelId">The row's channel id.</param>
    /// <param name="group">The row's group.</param>
    /// <param name="quota">The row's quota.</param>
    /// <param name="promptTokens">The row's prompt tokens.</param>
    /// <param name="completionTokens">The row's completion tokens.</param>
    /// <param name="sign">1 to add the row, -1 to take it away.</param>
    public void Add(long createdAtMs, UsageLogType type, long userId, string modelName, long channelId, string group, long quota, long promptTokens, long completionTokens, int sign)
    {
        // The key must name the values as stored: lone surrogates become U+FFFD on both stores, PostgreSQL drops U+0000.
        modelName = StoredText.For(modelName, _dropNul)!;
        group = StoredText.For(group, _dropNul)!;
        var hour = HourOf(createdAtMs);
        var sums = new Sums(sign, sign * quota, sign * promptTokens, sign * completionTokens);
        ref var hourSums = ref CollectionsMarshal.GetValueRefOrAddDefault(_hours, new HourKey(hour, type, modelName, channelId, group), out _);
        hourSums = hourSums.Plus(sums);
        ref var userSums = ref CollectionsMarshal.GetValueRefOrAddDefault(_userHours, new UserHourKey(userId, hour, type, modelName), out _);
        userSums = userSums.Plus(sums);
    }

    /// <summary>Writes the change with SQLite: one prepared upsert per key, then, after deletions, removes the keys left empty.</summary>
    /// <param name="connection">The open connection, inside the transaction the rows are written or deleted in.</param>
    /// <param name="removeEmpty">Whether to remove the keys left without rows (after deletions).</param>
    public void ApplySqlite(SqliteConnection connection, bool removeEmpty)
    {
        if (IsEmpty)
        {
            return;
        }

        using (var upsert = SqliteRawStatement.Prepare(connection, HoursUpsertSqlite))
        {
            foreach (var (key, sums) in _hours)
            {
                BindKey(upsert, key);
                BindSums(upsert, 6, sums);
                upsert.Execute();
            }
        }

        using (var upsert = SqliteRawStatement.Prepare(connection, UserHoursUpsertSqlite))
        {
            foreach (var (key, sums) in _userHours)
            {
                BindKey(upsert, key);
                BindSums(upsert, 5, sums);
                upsert.Execute();
            }
        }

        if (!removeEmpty)
        {
            return;
        }

        using (var remove = SqliteRawStatement.Prepare(connection, HoursRemoveEmptySqlite))
        {
            foreach (var key in _hours.Keys)
            {
                BindKey(remove, key);
                remove.Execute();
            }
        }

        using (var remove = SqliteRawStatement.Prepare(connection, UserHoursRemoveEmptySqlite))
        {
            foreach (var key in _userHours.Keys)
            {
                BindKey(remove, key);
                remove.Execute();
            }
        }
    }

    /// <summary>Adds the PostgreSQL statements that write the change to <paramref name="batch"/>.</summary>
    /// <param name="batch">The batch of the transaction the rows are written or deleted in.</param>
    /// <param name="removeEmpty">Whether to remove the keys left without rows (after deletions).</param>
    public void AddPostgreSqlCommands(NpgsqlBatch batch, bool removeEmpty)
    {
        if (IsEmpty)
        {
            return;
        }

        // One fixed key order for every writer, so concurrent batches lock the same rollup rows in the same order.
        var hourRows = _hours.ToArray();
        Array.Sort(hourRows, static (x, y) => HourKeyComparer.Instance.Compare(x.Key, y.Key));
        var n = hourRows.Length;
        var (hours, types, models, channels, groups) = (new long[n], new int[n], new string[n], new long[n], new string[n]);
        var (counts, quotas, prompts, completions) = (new long[n], new long[n], new long[n], new long[n]);
        var i = 0;
        foreach (var (key, sums) in hourRows)
        {
            (hours[i], types[i], models[i], channels[i], groups[i]) = (key.Hour, (int)key.Type, key.ModelName, key.ChannelId, key.Group);
            (counts[i], quotas[i], prompts[i], completions[i]) = (sums.Count, sums.Quota, sums.Prompt, sums.Completion);
            i++;
        }

        batch.BatchCommands.Add(Command(HoursUpsertPostgreSql, hours, types, models, channels, groups, counts, quotas, prompts, completions));

        var userRows = _userHours.ToArray();
        Array.Sort(userRows, static (x, y) => UserHourKeyComparer.Instance.Compare(x.Key, y.Key));
        var m = userRows.Length;
        var (userIds, userHours, userTypes, userModels) = (new long[m], new long[m], new int[m], new string[m]);
        var (userCounts, userQuotas, userPrompts, userCompletions) = (new long[m], new long[m], new long[m], new long[m]);
        i = 0;
        foreach (var (key, sums) in userRows)
        {
            (userIds[i], userHours[i], userTypes[i], userModels[i]) = (key.UserId, key.Hour, (int)key.Type, key.ModelName);
            (userCounts[i], userQuotas[i], userPrompts[i], userCompletions[i]) = (sums.Count, sums.Quota, sums.Prompt, sums.Completion);
            i++;
        }

        batch.BatchCommands.Add(Command(UserHoursUpsertPostgreSql, userIds, userHours, userTypes, userModels, userCounts, userQuotas, userPrompts, userCompletions));
        if (removeEmpty)
        {
            batch.BatchCommands.Add(Command(HoursRemoveEmptyPostgreSql, hours, types, models, channels, groups));
            batch.BatchCommands.Add(Command(UserHoursRemoveEmptyPostgreSql, userIds, userHours, userTypes, userModels));
        }
    }


    private static NpgsqlBatchCommand Command(string sql, params Array[] arrays)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var array in arrays)
        {
            command.Parameters.Add(array switch
            {
                long[] longs => new NpgsqlParameter<long[]> { TypedValue = longs },
                int[] ints => new NpgsqlParameter<int[]> { TypedValue = ints },
                string[] strings => new NpgsqlParameter<string[]> { TypedValue = strings },
                _ => throw new ArgumentOutOfRangeException(nameof(arrays)),
            });
        }

        return command;
    }

    private static void BindKey(SqliteRawStatement statement, HourKey key)
    {
        statement.Bind(1, key.Hour);
        statement.Bind(2, (long)key.Type);
        statement.Bind(3, key.ModelName);
        statement.Bind(4, key.ChannelId);
        statement.Bind(5, key.Group);
    }

    private static void BindKey(SqliteRawStatement statement, UserHourKey key)
    {
        statement.Bind(1, key.UserId);
        statement.Bind(2, key.Hour);
        statement.Bind(3, (long)key.Type);
        statement.Bind(4, key.ModelName);
    }

    private static void BindSums(SqliteRawStatement statement, int first, Sums sums)
    {
        statement.Bind(first, sums.Count);
        statement.Bind(first + 1, sums.Quota);
        statement.Bind(first + 2, sums.Prompt);
        statement.Bind(first + 3, sums.Completion);
    }

    private readonly record struct HourKey(long Hour, UsageLogType Type, string ModelName, long ChannelId, string Group);

    private readonly record struct UserHourKey(long UserId, long Hour, UsageLogType Type, string ModelName);

    private readonly record struct Sums(long Count, long Quota, long Prompt, long Completion)
    {
        public Sums Plus(Sums other) => new(Count + other.Count, Quota + other.Quota, Prompt + other.Prompt, Completion + other.Completion);
    }

    private sealed class HourKeyComparer : IComparer<HourKey>
    {
        public static readonly HourKeyComparer Instance = new();

        public int Compare(HourKey x, HourKey y)
        {
            var c = x.Hour.CompareTo(y.Hour);
            if (c == 0)
            {
                c = x.Type.CompareTo(y.Type);
            }

            if (c == 0)
            {
                c = string.CompareOrdinal(x.ModelName, y.ModelName);
            }

            if (c == 0)
            {
                c = x.ChannelId.CompareTo(y.ChannelId);
            }

            return c != 0 ? c : string.CompareOrdinal(x.Group, y.Group);
        }
    }

    private sealed class UserHourKeyComparer : IComparer<UserHourKey>
    {
        public static readonly UserHourKeyComparer Instance = new();

        public int Compare(UserHourKey x, UserHourKey y)
        {
            var c = x.UserId.CompareTo(y.UserId);
            if (c == 0)
            {
                c = x.Hour.CompareTo(y.Hour);
            }

            if (c == 0)
            {
                c = x.Type.CompareTo(y.Type);
            }

            return c != 0 ? c : string.CompareOrdinal(x.ModelName, y.ModelName);
        }
    }
}
