using System.Globalization;
using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>Reads, aggregates and prunes the <c>usage_logs</c> table for the management API; every filter and sum runs in SQL.</summary>
/// <remarks>
/// Indexes that serve the queries (see <see cref="LlmRelayModel"/>):
/// <code>
/// newest-first page, no filter        usage_logs(created_at)                 (+ rowid on SQLite, so ORDER BY created_at, id needs no sort)
/// user / self logs                    usage_logs(user_id, created_at)
/// token logs (/api/log/token)         usage_logs(token_id, created_at)
/// model filter                        usage_logs(model_name, created_at)
/// channel filter                      usage_logs(channel_id, created_at)
/// type filter, stat quota, rpm/tpm    usage_logs(type, created_at)
/// delete before                       usage_logs(created_at)
/// </code>
/// A deep page (past the middle) is read in ascending order with the complementary offset and reversed, so the
/// last pages cost as little as the first ones; only pages in the middle of a large result pay for the offset.
/// </remarks>
/// <param name="db">The scope's context.</param>
internal sealed class EfUsageLogQueries(LlmRelayDbContext db) : IUsageLogQueries
{
    private const int DeleteBatchSize = 10_000;
    private const long MillisecondsPerHour = 3_600_000;
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(60);

    public async Task<UsageLogPage> QueryAsync(UsageLogFilter filter, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);

        var logs = await FilterAsync(db.UsageLogs.AsNoTracking(), filter, withRange: true, cancellationToken).ConfigureAwait(false);
        if (logs is null)
        {
            return new UsageLogPage([], 0);
        }

        var total = await logs.LongCountAsync(cancellationToken).ConfigureAwait(false);
        var skip = (long)(page - 1) * pageSize;
        if (total == 0 || skip >= total)
        {
            return new UsageLogPage([], total);
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
            var newest = await db.UsageLogs.AsNoTracking()
                .Where(l => newestIds.Contains(l.Id))
                .OrderByDescending(static l => l.CreatedAt)
                .ThenByDescending(static l => l.Id)
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
            return new UsageLogPage(newest, total);
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
        var oldest = await db.UsageLogs.AsNoTracking()
            .Where(l => oldestIds.Contains(l.Id))
            .OrderByDescending(static l => l.CreatedAt)
            .ThenByDescending(static l => l.Id)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return new UsageLogPage(oldest, total);
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

    public async Task<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        long deleted = 0;
        while (true)
        {
            // One bounded statement per batch: on SQLite each holds the write lock only briefly, so the
            // usage-log writer keeps appending between batches.
            var batch = await db.UsageLogs
                .Where(l => l.CreatedAt < before)
                .OrderBy(static l => l.Id)
                .Take(DeleteBatchSize)
                .ExecuteDeleteAsync(cancellationToken)
                .ConfigureAwait(false);
            deleted += batch;
            if (batch < DeleteBatchSize)
            {
                return deleted;
            }
        }
    }

    public async Task<UsageLogStats> GetStatsAsync(UsageLogFilter filter, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var ranged = await FilterAsync(db.UsageLogs.AsNoTracking(), filter, withRange: true, cancellationToken).ConfigureAwait(false);
        if (ranged is null)
        {
            return new UsageLogStats(0, 0, 0);
        }

        var quota = await ranged.SumAsync(static l => l.Quota, cancellationToken).ConfigureAwait(false);

        var since = now - RateWindow;
        var recent = (await FilterAsync(db.UsageLogs.AsNoTracking(), filter, withRange: false, cancellationToken).ConfigureAwait(false))!
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
        var userId = filter.UserId;
        if (filter.Username is { Length: > 0 } username)
        {
            var resolved = await ResolveUserAsync(username, cancellationToken).ConfigureAwait(false);
            if (resolved is null || (userId is not null && userId != resolved))
            {
                return [];
            }

            userId = resolved;
        }

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

        if (userId is { } uid)
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
            .GroupBy(static f => new { f.ModelName, Hour = f.CreatedMs / MillisecondsPerHour })
            .Select(static g => new
            {
                g.Key.ModelName,
                g.Key.Hour,
                Count = g.LongCount(),
                Quota = g.Sum(static f => f.Quota),
                Prompt = g.Sum(static f => (long)f.PromptTokens),
                Completion = g.Sum(static f => (long)f.CompletionTokens),
            })
            .OrderBy(static r => r.Hour)
            .ThenBy(static r => r.ModelName)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return [.. rows.Select(static r => new UsageLogHourlyAggregate(
            r.ModelName,
            DateTimeOffset.FromUnixTimeMilliseconds(r.Hour * MillisecondsPerHour),
            r.Count,
            r.Quota,
            r.Prompt,
            r.Completion))];
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

    /// <summary>Applies <paramref name="filter"/>; returns <see langword="null"/> when it can match nothing (an unknown user name).</summary>
    private async Task<IQueryable<UsageLog>?> FilterAsync(IQueryable<UsageLog> logs, UsageLogFilter filter, bool withRange, CancellationToken cancellationToken)
    {
        if (filter.Username is { Length: > 0 } username)
        {
            var resolved = await ResolveUserAsync(username, cancellationToken).ConfigureAwait(false);
            if (resolved is null || (filter.UserId is not null && filter.UserId != resolved))
            {
                return null;
            }

            logs = logs.Where(l => l.UserId == resolved.Value);
        }

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
