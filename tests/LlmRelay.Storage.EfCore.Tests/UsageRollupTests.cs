using LlmRelay.Storage.EfCore.Internal;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

/// <summary>
/// The hourly rollups (usage_hours, usage_user_hours) always equal GROUP BY over usage_logs, and every total, quota sum
/// and hourly series read through them equals the same computed from the rows themselves.
/// </summary>
public sealed class UsageRollupTests
{
    private const long Hour = 3_600_000;
    private static readonly DateTimeOffset H0 = new(2025, 3, 4, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Models = ["gpt-4o", "claude-sonnet-4", "gemini-2.5-pro"];
    private static readonly string[] Groups = ["default", "vip"];
    private static readonly long[] Users = [0, 7, 8];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Queries_OverRollups_EqualTheRows(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var rows = await AppendRandomAsync(database, count: 700, seed: 11);

        await AssertRollupsEqualRowsAsync(database);
        foreach (var filter in Filters())
        {
            await AssertQueriesEqualRowsAsync(database, rows, filter);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Stat_OverWholeHours_ReadsTheRollupNotTheRows(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var rows = await AppendRandomAsync(database, count: 200, seed: 3);
        var filter = new UsageLogFilter { Type = UsageLogType.Consume, Start = H0.AddMinutes(30), End = H0.AddHours(6).AddMinutes(10) };
        var expected = rows.Where(r => Matches(r, filter)).Sum(static r => r.Quota);
        Assert.Equal(expected, (await StatsAsync(database, filter)).Quota);

        // A marker added to one whole hour of the rollup shows up in the sum: the whole hours come from the rollup.
        await using (var scope = database.CreateScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
            var hour = H0.AddHours(2).ToUnixTimeMilliseconds();
            var bumped = await context.UsageHours
                .Where(h => h.Hour == hour && h.Type == UsageLogType.Consume)
                .OrderBy(static h => h.ModelName).ThenBy(static h => h.ChannelId).ThenBy(static h => h.Group)
                .Take(1)
                .ExecuteUpdateAsync(s => s.SetProperty(h => h.Quota, h => h.Quota + 1_000_000), Ct);
            Assert.Equal(1, bumped);
        }

        Assert.Equal(expected + 1_000_000, (await StatsAsync(database, filter)).Quota);

        // The partial hours at both ends come from the rows: a range inside one hour does not see the marker.
        var inside = filter with { Start = H0.AddHours(2).AddMinutes(1), End = H0.AddHours(2).AddMinutes(59) };
        Assert.Equal(rows.Where(r => Matches(r, inside)).Sum(static r => r.Quota), (await StatsAsync(database, inside)).Quota);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task DeleteBefore_TakesDeletedRowsOutOfTheRollups(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var rows = await AppendRandomAsync(database, count: 500, seed: 5);
        var before = H0.AddHours(3).AddMinutes(27).AddSeconds(13);

        long deleted;
        await using (var scope = database.CreateScope())
        {
            deleted = await scope.ServiceProvider.GetRequiredService<IUsageLogQueries>().DeleteBeforeAsync(before, Ct);
        }

        Assert.Equal(rows.Count(r => r.CreatedAt < before), deleted);
        var remaining = rows.Where(r => r.CreatedAt >= before).ToList();
        await AssertRollupsEqualRowsAsync(database);
        foreach (var filter in Filters())
        {
            await AssertQueriesEqualRowsAsync(database, remaining, filter);
        }

        // Deleting everything leaves the rollups empty, not full of zero rows.
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogQueries>().DeleteBeforeAsync(H0.AddDays(1), Ct);
            var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
            Assert.Equal(0, await context.UsageHours.CountAsync(Ct));
            Assert.Equal(0, await context.UserUsageHours.CountAsync(Ct));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Migration_FillsTheRollupsFromExistingRows(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, migrate: false);
        var rows = RandomRows(300, seed: 9);
        await using (var scope = database.CreateScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
            var previous = context.Database.GetMigrations().Single(static m => m.EndsWith("_UsageLogCreatedAtIdIndex", StringComparison.Ordinal));
            await context.GetService<IMigrator>().MigrateAsync(previous, Ct);

            // Rows written before the rollups existed (EF inserts touch usage_logs only).
            context.UsageLogs.AddRange(rows);
            await context.SaveChangesAsync(Ct);
            await scope.ServiceProvider.GetRequiredService<IRelayDatabase>().MigrateAsync(Ct);
        }

        await AssertRollupsEqualRowsAsync(database);
        await AssertQueriesEqualRowsAsync(database, rows, new UsageLogFilter { Type = UsageLogType.Consume, Start = H0.AddMinutes(5) });
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task TextThatCannotBeStoredAsSent_KeysTheRollupAsStored(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);

        // U+0000 (PostgreSQL drops it, SQLite keeps it) and lone surrogates (both keep U+FFFD), next to the plain names.
        string[] models = ["gpt-4o", "gpt-4o\0", "m\uD800x", "m\uFFFDx", "\uDC00"];
        var rows = RandomRows(120, seed: 21);
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].ModelName = models[i % models.Length];
            rows[i].Group = i % 7 == 0 ? "vip\uD83D" : rows[i].Group;
        }

        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(rows, Ct);
        }

        await AssertRollupsEqualRowsAsync(database);
        await using (var scope = database.CreateScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
            var stored = await context.UsageLogs.AsNoTracking().Select(static l => l.ModelName).Distinct().ToListAsync(Ct);
            Assert.DoesNotContain(stored, static m => m.Any(char.IsSurrogate) && !m.Any(char.IsHighSurrogate));
            Assert.Contains("m\uFFFDx", stored);
            Assert.Equal(provider == TestDatabase.Sqlite, stored.Contains("gpt-4o\0"));
            Assert.Equal(rows.Count, (await scope.ServiceProvider.GetRequiredService<IUsageLogQueries>().QueryAsync(new UsageLogFilter(), 1, 5, Ct)).Total);

            // Pruning takes the rows out under the same keys: nothing is left behind.
            await scope.ServiceProvider.GetRequiredService<IUsageLogQueries>().DeleteBeforeAsync(H0.AddDays(1), Ct);
            Assert.Equal(0, await context.UsageHours.CountAsync(Ct));
            Assert.Equal(0, await context.UserUsageHours.CountAsync(Ct));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Range_StartingInTheLastHourOfYear9999_HasNoWholeHour_AndStillAnswers(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await AppendRandomAsync(database, count: 10, seed: 1);
        var filter = new UsageLogFilter { Type = UsageLogType.Consume, Start = DateTimeOffset.FromUnixTimeSeconds(253_402_297_201) };

        Assert.Equal(0, (await StatsAsync(database, filter)).Quota);
        await using var scope = database.CreateScope();
        Assert.Empty(await scope.ServiceProvider.GetRequiredService<IUsageLogQueries>().GetHourlyAsync(filter, Ct));
        Assert.Equal(0, (await scope.ServiceProvider.GetRequiredService<IUsageLogQueries>().QueryAsync(filter, 1, 5, Ct)).Total);
    }

    private static IEnumerable<UsageLogFilter> Filters()
    {
        (DateTimeOffset? Start, DateTimeOffset? End)[] ranges =
        [
            (null, null),
            (H0.AddMinutes(17).AddMilliseconds(3), H0.AddHours(7).AddMinutes(41)),
            (H0.AddHours(1), H0.AddHours(5)),
            (H0.AddHours(2).AddSeconds(1), null),
            (null, H0.AddHours(4).AddMilliseconds(-1)),
            (H0.AddHours(3).AddMinutes(5), H0.AddHours(3).AddMinutes(50)),
            (H0.AddHours(-5), H0.AddHours(30)),
        ];
        UsageLogFilter[] dimensions =
        [
            new(),
            new() { Type = UsageLogType.Consume },
            new() { Type = UsageLogType.Error, ModelName = "claude-sonnet-4" },
            new() { ChannelId = 2 },
            new() { Group = "vip", Type = UsageLogType.Consume },
            new() { UserId = 7 },
            new() { UserId = 0, ModelName = "gpt-4o" },
            new() { UserId = 8, ChannelId = 1 }, // not in usage_user_hours: read from the rows
            new() { TokenName = "token-2" },      // not in any rollup: read from the rows
        ];
        foreach (var (start, end) in ranges)
        {
            foreach (var dimension in dimensions)
            {
                yield return dimension with { Start = start, End = end };
            }
        }
    }

    private static async Task AssertQueriesEqualRowsAsync(TestDatabase database, IReadOnlyList<UsageLog> rows, UsageLogFilter filter)
    {
        var matching = rows.Where(r => Matches(r, filter)).ToList();
        await using var scope = database.CreateScope();
        var queries = scope.ServiceProvider.GetRequiredService<IUsageLogQueries>();

        // Pages past the first are also located through the rollup's rows per hour (a gateway does so past 50,000 rows).
        var located = new EfUsageLogQueries(scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>()) { DeepPageRows = 0 };

        // First, middle, last and one-past-the-last page: each page's rows and the total.
        const int Size = 7;
        var newestFirst = matching.OrderByDescending(static r => r.CreatedAt).ThenByDescending(static r => r.Id).Select(static r => r.Id).ToList();
        var pages = (newestFirst.Count + Size - 1) / Size;
        foreach (var number in new[] { 1, Math.Max(1, pages / 2), Math.Max(1, pages - 1), Math.Max(1, pages), pages + 1 }.Distinct())
        {
            foreach (var reader in new[] { queries, located })
            {
                var page = await reader.QueryAsync(filter, number, Size, Ct);
                Assert.True(matching.Count == page.Total, $"total of {filter}: expected {matching.Count}, got {page.Total}");
                Assert.Equal(newestFirst.Skip((number - 1) * Size).Take(Size), page.Items.Select(static r => r.Id));
            }
        }

        var stats = await queries.GetStatsAsync(filter, H0.AddDays(2), Ct);
        Assert.True(matching.Sum(static r => r.Quota) == stats.Quota, $"quota of {filter}: expected {matching.Sum(static r => r.Quota)}, got {stats.Quota}");

        var expectedHours = matching
            .GroupBy(static r => (r.ModelName, Hour: r.CreatedAt.ToUnixTimeMilliseconds() / Hour))
            .OrderBy(static g => g.Key.Hour).ThenBy(static g => g.Key.ModelName, StringComparer.Ordinal)
            .Select(static g => (g.Key.ModelName, g.Key.Hour * Hour, (long)g.Count(), g.Sum(static r => r.Quota), g.Sum(static r => (long)r.PromptTokens), g.Sum(static r => (long)r.CompletionTokens)))
            .ToList();
        var hourly = await queries.GetHourlyAsync(filter, Ct);
        Assert.Equal(expectedHours, hourly.Select(static h => (h.ModelName, h.HourStart.ToUnixTimeMilliseconds(), h.Count, h.Quota, h.PromptTokens, h.CompletionTokens)).ToList());
    }

    private static async Task AssertRollupsEqualRowsAsync(TestDatabase database)
    {
        await using var scope = database.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
        var rows = await context.UsageLogs.AsNoTracking().ToListAsync(Ct);

        var expected = rows
            .GroupBy(static r => (Hour: HourOf(r), r.Type, r.ModelName, r.ChannelId, r.Group))
            .ToDictionary(static g => g.Key, static g => Sums(g));
        var actual = (await context.UsageHours.AsNoTracking().ToListAsync(Ct))
            .ToDictionary(static h => (h.Hour, h.Type, h.ModelName, h.ChannelId, h.Group), static h => (h.LogCount, h.Quota, h.PromptTokens, h.CompletionTokens));
        AssertSameMap(expected, actual);

        var expectedUsers = rows
            .GroupBy(static r => (r.UserId, Hour: HourOf(r), r.Type, r.ModelName))
            .ToDictionary(static g => g.Key, static g => Sums(g));
        var actualUsers = (await context.UserUsageHours.AsNoTracking().ToListAsync(Ct))
            .ToDictionary(static h => (h.UserId, h.Hour, h.Type, h.ModelName), static h => (h.LogCount, h.Quota, h.PromptTokens, h.CompletionTokens));
        AssertSameMap(expectedUsers, actualUsers);
    }

    // Keys compared as the database does (ordinal): culture ordering would treat "a\0" and "a" as equal.
    private static void AssertSameMap<TKey>(Dictionary<TKey, (long, long, long, long)> expected, Dictionary<TKey, (long, long, long, long)> actual)
        where TKey : notnull
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (key, sums) in expected)
        {
            Assert.True(actual.TryGetValue(key, out var found), $"rollup has no row for {key}");
            Assert.Equal(sums, found);
        }
    }

    private static long HourOf(UsageLog row) => row.CreatedAt.ToUnixTimeMilliseconds() / Hour * Hour;

    private static (long, long, long, long) Sums(IEnumerable<UsageLog> rows) =>
        (rows.LongCount(), rows.Sum(static r => r.Quota), rows.Sum(static r => (long)r.PromptTokens), rows.Sum(static r => (long)r.CompletionTokens));

    private static bool Matches(UsageLog row, UsageLogFilter filter) =>
        (filter.Type is null || row.Type == filter.Type)
        && (filter.Start is null || row.CreatedAt >= filter.Start)
        && (filter.End is null || row.CreatedAt < filter.End)
        && (filter.UserId is null || row.UserId == filter.UserId)
        && (filter.TokenName is null || row.TokenName == filter.TokenName)
        && (filter.ModelName is null || row.ModelName == filter.ModelName)
        && (filter.ChannelId is null || row.ChannelId == filter.ChannelId)
        && (filter.Group is null || row.Group == filter.Group);

    private static async Task<UsageLogStats> StatsAsync(TestDatabase database, UsageLogFilter filter)
    {
        await using var scope = database.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<IUsageLogQueries>().GetStatsAsync(filter, H0.AddDays(2), Ct);
    }

    /// <summary>Appends <paramref name="count"/> random rows in batches of random size, so later batches add to rollup keys earlier ones created.</summary>
    private static async Task<List<UsageLog>> AppendRandomAsync(TestDatabase database, int count, int seed)
    {
        var rows = RandomRows(count, seed);
        var random = new Random(seed);
        await using var scope = database.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<IUsageLogStore>();
        for (var i = 0; i < rows.Count;)
        {
            var size = Math.Min(random.Next(1, 90), rows.Count - i);
            await store.AppendAsync(rows.GetRange(i, size), Ct);
            i += size;
        }

        return rows;
    }

    private static List<UsageLog> RandomRows(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => new UsageLog
        {
            // Ten hours, millisecond times; a few exactly on an hour boundary.
            CreatedAt = i % 50 == 0 ? H0.AddHours(i % 10) : H0.AddMilliseconds(random.NextInt64(10 * Hour)),
            Type = random.Next(10) == 0 ? UsageLogType.Error : UsageLogType.Consume,
            UserId = Users[random.Next(Users.Length)],
            TokenId = 1_000 + random.Next(3),
            TokenName = "token-" + random.Next(3),
            ModelName = Models[random.Next(Models.Length)],
            ChannelId = random.Next(1, 4),
            ChannelName = "upstream",
            Group = Groups[random.Next(Groups.Length)],
            Quota = random.Next(0, 5_000),
            PromptTokens = random.Next(0, 2_000),
            CompletionTokens = random.Next(0, 800),
            StatusCode = 200,
        })];
    }
}
