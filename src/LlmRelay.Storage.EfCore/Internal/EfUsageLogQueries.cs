using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Reads, aggregates and prunes the <c>usage_logs</c> table for the management API; every filter and sum runs in SQL.</summary>
/// <remarks>
/// <para>Indexes that serve the queries (see <see cref="LlmRelayModel"/>):</para>
/// <code>
/// newest-first page, no filter        usage_logs(created_at, id)             (index-only id lists for the deferred join)
/// user / self logs                    usage_logs(user_id, created_at)
/// token logs (/api/log/token)         usage_logs(token_id, created_at)
/// model filter                        usage_logs(model_name, created_at)
/// channel filter                      usage_logs(channel_id, created_at)
/// token name filter                   usage_logs(token_name, created_at)
/// type filter, rpm/tpm                usage_logs(type, created_at, quota, prompt_tokens, completion_tokens)  (covering)
/// delete before                       usage_logs(created_at, id)
/// totals, quota sums, hourly series   usage_hours (hour, type, model_name, channel_id, group)
///   over whole hours                  usage_user_hours (user_id, hour, type, model_name)
/// </code>
/// <para>
/// A total, a quota sum or an hourly series over a range is read from the hourly rollups (<see cref="UsageHour"/>,
/// <see cref="UserUsageHour"/>) for the whole hours inside the range, plus <c>usage_logs</c> itself for the partial hours
/// at its two ends; so its cost follows the number of hours, not of rows (a 30-day stat over a million rows read every
/// row before). The rollups hold no token and no text, so filters by token, token name or keyword, and a user filter
/// combined with a channel or group filter, read <c>usage_logs</c> only.
/// </para>
/// <para>
/// A deep page (past the middle) is read in ascending order with the complementary offset and reversed, so the
/// last pages cost as little as the first ones; only pages in the middle of a large result pay for the offset.
/// </para>
/// </remarks>
/// <param name="db">The scope's context.</param>
internal sealed class EfUsageLogQueries(LlmRelayDbContext db) : IUsageLogQueries
{
    private const int DeleteBatchSize = 10_000;



    /// <summary>Deletes the oldest rows before <c>@before</c> (at most <c>@limit</c>, read through the (created_at, id) index) and returns what the rollups need.</summary>
    private const string DeleteBatchSql =
        """DELETE FROM "usage_logs" WHERE "id" IN (SELECT "id" FROM "usage_logs" WHERE "created_at" < @before ORDER BY "created_at", "id" LIMIT @limit) RETURNING "created_at", "type", "user_id", "model_name", "channel_id", "group", "quota", "prompt_tokens", "completion_tokens" """;
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(60);

    /// <summary>Gets how many rows a page may skip from the nearer end of its result before it is located through the hourly rollup instead.</summary>
    /// <remarks>An offset over an index costs about 0.1 µs per row skipped (so 50,000 rows about 5 ms); locating costs one pass over the range's rollup rows.</remarks>
    internal long DeepPageRows { get; init; } = 50_000;

    public async Task<UsageLogPage> QueryAsync(UsageLogFilter filter, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);

        if (await ResolveAsync(filter, cancellationToken).ConfigureAwait(false) is not { } resolved)
        {
            return new UsageLogPage([], 0);
        }

        var skip = (long)(page - 1) * pageSize;
        var logs = Filter(db.UsageLogs.AsNoTracking(), resolved, withRange: true);
        var range = RollupRange.For(resolved);
        var total = range is null
            ? await logs.LongCountAsync(cancellationToken).ConfigureAwait(false)
            : await TotalAsync(resolved, quota: false, cancellationToken).ConfigureAwait(false);
        if (total == 0 || skip >= total)
        {
            return new UsageLogPage([], total);
        }

        if (range is { } hours && Math.Min(skip, total - skip) > DeepPageRows)
        {
            // Deep in a large result: the rollup's rows per hour say which hour the page starts in, and the page is read
            // below that hour's end with an offset inside the hour, instead of an offset over every newer (or older) row.
            var (hourTotal, upper, offset) = await LocateAsync(resolved, hours, skip, cancellationToken).ConfigureAwait(false);
            var ids = Filter(db.UsageLogs.AsNoTracking(), resolved with { End = upper }, withRange: true)
                .OrderByDescending(static l => l.CreatedAt)
                .ThenByDescending(static l => l.Id)
                .Skip((int)offset)
                .Take(pageSize)
                .Select(static l => l.Id);
            return new UsageLogPage(await RowsAsync(ids, cancellationToken).ConfigureAwait(false), hourTotal);
        }

        // Deferred join: the page's ids come from an index alone (index-only on (created_at, id) when unfiltered), then only
        // those rows are read, instead of reading every skipped row (541 ms -> ~55 ms for the middle of 1M rows on PostgreSQL).
        if (skip + (pageSize / 2) <= total / 2)
        {
            var newestIds = logs
                .OrderByDescending(static l => l.CreatedAt)
                .ThenByDescending(static l => l.Id)
                .Skip((int)skip)
                .Take(pageSize)
                .Select(static l => l.Id);
            return new UsageLogPage(await RowsAsync(newestIds, cancellationToken).ConfigureAwait(false), total);
        }

        // Past the middle: the same rows are [total - skip - pageSize, total - skip) in ascending order.
        var end = total - skip;
        var start = Math.Max(0, end - pageSize);
        var oldestIds = logs
            .OrderBy(static l => l.CreatedAt)
            .ThenBy(static l => l.Id)
            .Skip((int)start)
            .Take((int)(end - start))
            .Select(static l => l.Id);
        return new UsageLogPage(await RowsAsync(oldestIds, cancellationToken).ConfigureAwait(false), total);
    }

    public async IAsyncEnumerable<IReadOnlyList<UsageLog>> ReadPagesAsync(UsageLogFilter filter, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);

        if (await ResolveAsync(filter, cancellationToken).ConfigureAwait(false) is not { } resolved)
        {
            yield break;
        }

        // Keyset paging on (created_at, id) descending, the order of the (created_at, id) and (x, created_at) indexes: each
        // page starts below the last row of the one before, instead of skipping an offset that grows with every page.
        var logs = Filter(db.UsageLogs.AsNoTracking(), resolved, withRange: true);
        UsageLog? last = null;
        while (true)
        {
            var page = logs;
            if (last is not null)
            {
                var createdAt = last.CreatedAt;
                var id = last.Id;
                page = page.Where(l => l.CreatedAt < createdAt || (l.CreatedAt == createdAt && l.Id < id));
            }

            var rows = await page
                .OrderByDescending(static l => l.CreatedAt)
                .ThenByDescending(static l => l.Id)
                .Take(pageSize)
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
            if (rows.Count == 0)
            {
                yield break;
            }

            yield return rows;
            if (rows.Count < pageSize)
            {
                yield break;
            }

            last = rows[^1];
        }
    }

    /// <summary>Reads the rows of <paramref name="ids"/>, newest first.</summary>
    private Task<List<UsageLog>> RowsAsync(IQueryable<long> ids, CancellationToken cancellationToken) =>
        db.UsageLogs.AsNoTracking()
            .Where(l => ids.Contains(l.Id))
            .OrderByDescending(static l => l.CreatedAt)
            .ThenByDescending(static l => l.Id)
            .ToListAsync(cancellationToken);

    /// <summary>
    /// Counts the matching rows per hour, newest first (the partial hour at the end of the range, the whole hours from the
    /// rollup, the partial hour at its start), and finds the one that holds the row <paramref name="skip"/>.
    /// </summary>
    /// <returns>The total; the exclusive upper bound of that hour (the filter's own end when it is the newest); the rows before it.</returns>
    private async Task<(long Total, DateTimeOffset? Upper, long Offset)> LocateAsync(UsageLogFilter filter, RollupRange range, long skip, CancellationToken cancellationToken)
    {
        var buckets = new List<(DateTimeOffset? Upper, long Count)>();
        if (range.Tail(filter) is { } tail)
        {
            buckets.Add((filter.End, await RowsTotalAsync(tail, quota: false, cancellationToken).ConfigureAwait(false)));
        }

        var hours = filter.UserId is { } userId
            ? await HourCountsAsync(UserHours(filter, userId, range), cancellationToken).ConfigureAwait(false)
            : await HourCountsAsync(Hours(filter, range), cancellationToken).ConfigureAwait(false);
        foreach (var (hour, count) in hours)
        {
            buckets.Add((DateTimeOffset.FromUnixTimeMilliseconds(hour + UsageRollup.MillisecondsPerHour), count));
        }

        if (range.Head(filter) is { } head)
        {
            buckets.Add((head.End, await RowsTotalAsync(head, quota: false, cancellationToken).ConfigureAwait(false)));
        }

        long total = 0;
        (DateTimeOffset? Upper, long Offset) found = (filter.End, 0);
        var located = false;
        foreach (var (upper, count) in buckets)
        {
            if (!located && total + count > skip)
            {
                found = (upper, skip - total);
                located = true;
            }

            total += count;
        }

        return (total, found.Upper, found.Offset);
    }

    private static async Task<List<(long Hour, long Count)>> HourCountsAsync<T>(IQueryable<T> hours, CancellationToken cancellationToken)
        where T : class, IUsageHourRow
    {
        var rows = await hours
            .GroupBy(static h => h.Hour)
            .Select(static g => new { Hour = g.Key, Count = g.Sum(static h => h.LogCount) })
            .OrderByDescending(static h => h.Hour)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return rows.ConvertAll(static r => (r.Hour, r.Count));
    }

    public async Task<IReadOnlyDictionary<long, string>> GetUsernamesAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        if (userIds.Count == 0)
        {
            return new Dictionary<long, string>();
        }

        var ids = userIds.Distinct().ToList();
        return await db.Users.AsNoTracking()
            .Where(u => ids.Contains(u.Id))
            .Select(static u => new { u.Id, u.Username })
            .ToDictionaryAsync(static u => u.Id, static u => u.Username, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <remarks>
    /// Each batch is one transaction that deletes up to <see cref="DeleteBatchSize"/> of the oldest rows, reads them back
    /// with <c>RETURNING</c> and takes them out of the hourly rollups: the rollups stay equal to the table even if pruning
    /// stops half-way, and on SQLite each batch holds the write lock only briefly, so the usage-log writer keeps appending.
    /// </remarks>
    public async Task<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var beforeMs = before.ToUnixTimeMilliseconds();
        long deleted = 0;
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                int batch;
                var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var connection = db.Database.GetDbConnection();
                    var dbTransaction = transaction.GetDbTransaction();
                    var rollup = new UsageRollup(postgreSql: !db.Database.IsSqlite());
                    batch = await DeleteBatchAsync(connection, dbTransaction, beforeMs, rollup, cancellationToken).ConfigureAwait(false);
                    if (db.Database.IsSqlite())
                    {
                        rollup.ApplySqlite((Microsoft.Data.Sqlite.SqliteConnection)connection, removeEmpty: true);
                    }
                    else if (!rollup.IsEmpty)
                    {
                        var commands = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)dbTransaction);
                        await using (commands.ConfigureAwait(false))
                        {
                            rollup.AddPostgreSqlCommands(commands, removeEmpty: true);
                            await commands.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }

                deleted += batch;
                if (batch < DeleteBatchSize)
                {
                    return deleted;
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private static async Task<int> DeleteBatchAsync(DbConnection connection, DbTransaction transaction, long beforeMs, UsageRollup rollup, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
            command.CommandText = DeleteBatchSql;
            var before = command.CreateParameter();
            before.ParameterName = "@before";
            before.Value = beforeMs;
            command.Parameters.Add(before);
            var limit = command.CreateParameter();
            limit.ParameterName = "@limit";
            limit.Value = DeleteBatchSize;
            command.Parameters.Add(limit);

            var rows = 0;
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows++;
                    rollup.Add(
                        Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
                        (UsageLogType)Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture),
                        Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture),
                        reader.GetString(3),
                        Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture),
                        reader.GetString(5),
                        Convert.ToInt64(reader.GetValue(6), CultureInfo.InvariantCulture),
                        Convert.ToInt64(reader.GetValue(7), CultureInfo.InvariantCulture),
                        Convert.ToInt64(reader.GetValue(8), CultureInfo.InvariantCulture),
                        sign: -1);
                }
            }

            return rows;
        }
    }

    public async Task<UsageLogStats> GetStatsAsync(UsageLogFilter filter, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (await ResolveAsync(filter, cancellationToken).ConfigureAwait(false) is not { } resolved)
        {
            return new UsageLogStats(0, 0, 0);
        }

        var quota = await TotalAsync(resolved, quota: true, cancellationToken).ConfigureAwait(false);

        var since = now - RateWindow;
        var recent = Filter(db.UsageLogs.AsNoTracking(), resolved, withRange: false)
            .Where(l => l.CreatedAt >= since && l.CreatedAt <= now);
        var rate = await recent
            .GroupBy(static _ => 1)
            .Select(static g => new { Requests = g.LongCount(), Tokens = g.Sum(static l => (long)l.PromptTokens + l.CompletionTokens) })
            .FirstOrDefaultAsync(cancellationToken)
            .ConfigureAwait(false);
        return new UsageLogStats(quota, rate?.Requests ?? 0, rate?.Tokens ?? 0);
    }

    public async Task<IReadOnlyList<UsageLogHourlyAggregate>> GetHourlyAsync(UsageLogFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (await ResolveAsync(filter, cancellationToken).ConfigureAwait(false) is not { } resolved)
        {
            return [];
        }

        List<UsageLogHourlyAggregate> rows;
        if (RollupRange.For(resolved) is not { } range)
        {
            rows = await RawHourlyAsync(resolved, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            rows = resolved.UserId is { } userId
                ? await HourlyAsync(UserHours(resolved, userId, range), cancellationToken).ConfigureAwait(false)
                : await HourlyAsync(Hours(resolved, range), cancellationToken).ConfigureAwait(false);
            foreach (var edge in range.Edges(resolved))
            {
                rows.AddRange(await RawHourlyAsync(edge, cancellationToken).ConfigureAwait(false));
            }
        }

        rows.Sort(static (a, b) =>
        {
            var byHour = a.HourStart.CompareTo(b.HourStart);
            return byHour != 0 ? byHour : string.CompareOrdinal(a.ModelName, b.ModelName);
        });
        return rows;
    }

    /// <summary>Counts the rows that match <paramref name="filter"/> (<paramref name="quota"/> false) or sums their quota (true).</summary>
    private async Task<long> TotalAsync(UsageLogFilter filter, bool quota, CancellationToken cancellationToken)
    {
        if (RollupRange.For(filter) is not { } range)
        {
            return await RowsTotalAsync(filter, quota, cancellationToken).ConfigureAwait(false);
        }

        var total = filter.UserId is { } userId
            ? await RollupTotalAsync(UserHours(filter, userId, range), quota, cancellationToken).ConfigureAwait(false)
            : await RollupTotalAsync(Hours(filter, range), quota, cancellationToken).ConfigureAwait(false);
        foreach (var edge in range.Edges(filter))
        {
            total += await RowsTotalAsync(edge, quota, cancellationToken).ConfigureAwait(false);
        }

        return total;
    }

    private Task<long> RowsTotalAsync(UsageLogFilter filter, bool quota, CancellationToken cancellationToken)
    {
        var logs = Filter(db.UsageLogs.AsNoTracking(), filter, withRange: true);
        return quota ? logs.SumAsync(static l => l.Quota, cancellationToken) : logs.LongCountAsync(cancellationToken);
    }

    private static Task<long> RollupTotalAsync<T>(IQueryable<T> hours, bool quota, CancellationToken cancellationToken)
        where T : class, IUsageHourRow =>
        quota ? hours.SumAsync(static h => h.Quota, cancellationToken) : hours.SumAsync(static h => h.LogCount, cancellationToken);

    private static Task<List<UsageLogHourlyAggregate>> HourlyAsync<T>(IQueryable<T> hours, CancellationToken cancellationToken)
        where T : class, IUsageHourRow =>
        hours
            .GroupBy(static h => new { h.ModelName, h.Hour })
            .Select(static g => new UsageLogHourlyAggregate(
                g.Key.ModelName,
                DateTimeOffset.FromUnixTimeMilliseconds(g.Key.Hour),
                g.Sum(static h => h.LogCount),
                g.Sum(static h => h.Quota),
                g.Sum(static h => h.PromptTokens),
                g.Sum(static h => h.CompletionTokens)))
            .ToListAsync(cancellationToken);

    /// <summary>The <c>usage_hours</c> rows of the whole hours of <paramref name="range"/> that match <paramref name="filter"/> (no user filter).</summary>
    private IQueryable<UsageHour> Hours(UsageLogFilter filter, RollupRange range)
    {
        var hours = Window(db.UsageHours.AsNoTracking(), filter, range);
        if (filter.ChannelId is { } channelId)
        {
            hours = hours.Where(h => h.ChannelId == channelId);
        }

        if (!string.IsNullOrEmpty(filter.Group))
        {
            var group = filter.Group;
            hours = hours.Where(h => h.Group == group);
        }

        return hours;
    }

    /// <summary>The <c>usage_user_hours</c> rows of one user and the whole hours of <paramref name="range"/> that match <paramref name="filter"/>.</summary>
    private IQueryable<UserUsageHour> UserHours(UsageLogFilter filter, long userId, RollupRange range) =>
        Window(db.UserUsageHours.AsNoTracking().Where(h => h.UserId == userId), filter, range);

    /// <summary>Applies the hours of <paramref name="range"/> and the type and model of <paramref name="filter"/>, which both rollups keep.</summary>
    private static IQueryable<T> Window<T>(IQueryable<T> hours, UsageLogFilter filter, RollupRange range)
        where T : class, IUsageHourRow
    {
        if (range.From is { } from)
        {
            hours = hours.Where(h => h.Hour >= from);
        }

        if (range.To is { } to)
        {
            hours = hours.Where(h => h.Hour < to);
        }

        if (filter.Type is { } type)
        {
            hours = hours.Where(h => h.Type == type);
        }

        if (!string.IsNullOrEmpty(filter.ModelName))
        {
            var modelName = filter.ModelName;
            hours = hours.Where(h => h.ModelName == modelName);
        }

        return hours;
    }

    /// <summary>Aggregates the rows of <c>usage_logs</c> that match <paramref name="filter"/> (user already resolved) per model and hour.</summary>
    private async Task<List<UsageLogHourlyAggregate>> RawHourlyAsync(UsageLogFilter filter, CancellationToken cancellationToken)
    {
        // created_at is stored as Unix milliseconds; the raw projection exposes it as a number so that EF can
        // translate the hour bucket (created_at / 3600000) into the GROUP BY on every provider.
        var facts = db.Database.SqlQueryRaw<LogFact>(
            """SELECT created_at AS "CreatedMs", type AS "Type", user_id AS "UserId", token_id AS "TokenId", token_name AS "TokenName", model_name AS "ModelName", channel_id AS "ChannelId", "group" AS "Group", quota AS "Quota", prompt_tokens AS "PromptTokens", completion_tokens AS "CompletionTokens" FROM usage_logs""");
        if (filter.Type is { } type)
        {
            var typeValue = (int)type;
            facts = facts.Where(f => f.Type == typeValue);
        }

        if (filter.Start is { } start)
        {
            var startMs = start.ToUnixTimeMilliseconds();
            facts = facts.Where(f => f.CreatedMs >= startMs);
        }

        if (filter.End is { } end)
        {
            var endMs = end.ToUnixTimeMilliseconds();
            facts = facts.Where(f => f.CreatedMs < endMs);
        }

        if (filter.UserId is { } uid)
        {
            facts = facts.Where(f => f.UserId == uid);
        }

        if (filter.TokenId is { } tokenId)
        {
            facts = facts.Where(f => f.TokenId == tokenId);
        }

        if (!string.IsNullOrEmpty(filter.TokenName))
        {
            var tokenName = filter.TokenName;
            facts = facts.Where(f => f.TokenName == tokenName);
        }

        if (!string.IsNullOrEmpty(filter.ModelName))
        {
            var modelName = filter.ModelName;
            facts = facts.Where(f => f.ModelName == modelName);
        }

        if (filter.ChannelId is { } channelId)
        {
            facts = facts.Where(f => f.ChannelId == channelId);
        }

        if (!string.IsNullOrEmpty(filter.Group))
        {
            var group = filter.Group;
            facts = facts.Where(f => f.Group == group);
        }

        var rows = await facts
            .GroupBy(static f => new { f.ModelName, Hour = f.CreatedMs / UsageRollup.MillisecondsPerHour })
            .Select(static g => new
            {
                g.Key.ModelName,
                g.Key.Hour,
                Count = g.LongCount(),
                Quota = g.Sum(static f => f.Quota),
                Prompt = g.Sum(static f => (long)f.PromptTokens),
                Completion = g.Sum(static f => (long)f.CompletionTokens),
            })
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return [.. rows.Select(static r => new UsageLogHourlyAggregate(
            r.ModelName,
            DateTimeOffset.FromUnixTimeMilliseconds(r.Hour * UsageRollup.MillisecondsPerHour),
            r.Count,
            r.Quota,
            r.Prompt,
            r.Completion))];
    }

    /// <summary>Resolves <see cref="UsageLogFilter.Username"/> to <see cref="UsageLogFilter.UserId"/>; <see langword="null"/> when the filter can match nothing.</summary>
    private async Task<UsageLogFilter?> ResolveAsync(UsageLogFilter filter, CancellationToken cancellationToken)
    {
        if (filter.Username is not { Length: > 0 } username)
        {
            return filter;
        }

        var resolved = await ResolveUserAsync(username, cancellationToken).ConfigureAwait(false);
        return resolved is null || (filter.UserId is not null && filter.UserId != resolved)
            ? null
            : filter with { Username = null, UserId = resolved };
    }

    private async Task<long?> ResolveUserAsync(string username, CancellationToken cancellationToken)
    {
        var ids = await db.Users.AsNoTracking()
            .Where(u => u.Username == username)
            .Select(static u => u.Id)
            .Take(1)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return ids.Count == 0 ? null : ids[0];
    }

    /// <summary>Applies <paramref name="filter"/>, whose user name is already resolved (<see cref="ResolveAsync"/>).</summary>
    private static IQueryable<UsageLog> Filter(IQueryable<UsageLog> logs, UsageLogFilter filter, bool withRange)
    {
        if (filter.Type is { } type)
        {
            logs = logs.Where(l => l.Type == type);
        }

        if (withRange && filter.Start is { } start)
        {
            logs = logs.Where(l => l.CreatedAt >= start);
        }

        if (withRange && filter.End is { } end)
        {
            logs = logs.Where(l => l.CreatedAt < end);
        }

        if (filter.UserId is { } userId)
        {
            logs = logs.Where(l => l.UserId == userId);
        }

        if (filter.TokenId is { } tokenId)
        {
            logs = logs.Where(l => l.TokenId == tokenId);
        }

        if (!string.IsNullOrEmpty(filter.TokenName))
        {
            var tokenName = filter.TokenName;
            logs = logs.Where(l => l.TokenName == tokenName);
        }

        if (!string.IsNullOrEmpty(filter.ModelName))
        {
            var modelName = filter.ModelName;
            logs = logs.Where(l => l.ModelName == modelName);
        }

        if (filter.ChannelId is { } channelId)
        {
            logs = logs.Where(l => l.ChannelId == channelId);
        }

        if (!string.IsNullOrEmpty(filter.Group))
        {
            var group = filter.Group;
            logs = logs.Where(l => l.Group == group);
        }

        if (!string.IsNullOrWhiteSpace(filter.Keyword))
        {
            var keyword = filter.Keyword.Trim();
            if (int.TryParse(keyword, NumberStyles.None, CultureInfo.InvariantCulture, out var typeNumber))
            {
                var keywordType = (UsageLogType)typeNumber;
                logs = logs.Where(l => l.Type == keywordType);
            }
            else
            {
                logs = logs.Where(l => l.Content.Contains(keyword) || l.ModelName == keyword || l.TokenName == keyword);
            }
        }

        return logs;
    }

    /// <summary>One usage-log row as the hourly aggregate reads it, with the creation time as raw Unix milliseconds.</summary>
    internal sealed class LogFact
    {
        public long CreatedMs { get; set; }

        public int Type { get; set; }

        public long UserId { get; set; }

        public long TokenId { get; set; }

        public string TokenName { get; set; } = "";

        public string ModelName { get; set; } = "";

        public long ChannelId { get; set; }

        public string Group { get; set; } = "";

        public long Quota { get; set; }

        public int PromptTokens { get; set; }

        public int CompletionTokens { get; set; }
    }
}
