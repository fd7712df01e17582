using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

public sealed class UsageLogQueryTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task QueryAsync_Filters_MatchTypeTimeTokenAndModel(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = TestData.Token();
        token.Id = 9_000_001; // rows only; no quota moves without a stored token
        var t0 = TestData.Time;
        var rows = new List<UsageLog>
        {
            TestData.Consume(token, 1, "gpt-4o", t0),
            TestData.Consume(token, 2, "gpt-4o", t0.AddMinutes(1)),
            TestData.Consume(token, 3, "claude", t0.AddMinutes(2)),
            TestData.Consume(token, 4, "gpt-4o", t0.AddMinutes(3)),
        };
        rows[2].Type = UsageLogType.Error;
        var otherToken = TestData.Token();
        rows.Add(TestData.Consume(otherToken, 5, "gpt-4o", t0.AddMinutes(1)));
        await AppendAsync(database, rows);

        Assert.Equal(Quotas(4, 2, 1), await QuotasAsync(database, new() { TokenName = token.Name, Type = UsageLogType.Consume }));
        Assert.Equal(Quotas(3), await QuotasAsync(database, new() { TokenName = token.Name, Type = UsageLogType.Error }));
        Assert.Equal(Quotas(3, 2), await QuotasAsync(database, new() { TokenName = token.Name, Start = t0.AddMinutes(1), End = t0.AddMinutes(3) }));
        Assert.Equal(Quotas(4, 2, 1), await QuotasAsync(database, new() { TokenName = token.Name, ModelName = "gpt-4o" }));
        Assert.Equal(Quotas(3), await QuotasAsync(database, new() { TokenId = token.Id, ModelName = "claude" }));
        Assert.Equal(Quotas(5), await QuotasAsync(database, new() { TokenName = otherToken.Name }));
        Assert.Equal(Quotas(5, 2), await QuotasAsync(database, new() { UserId = 42, Start = t0.AddMinutes(1), End = t0.AddMinutes(2), ModelName = "gpt-4o" }));
        Assert.Empty(await QuotasAsync(database, new() { TokenName = token.Name, ChannelId = 12345 }));
        Assert.Equal(4, (await QueryAsync(database, new() { TokenName = token.Name, Group = "default", ChannelId = 1 })).Total);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task QueryAsync_Pages_NewestFirstWithTotal(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = TestData.Token();
        token.Id = 9_000_002;

        // 25 rows; rows 20..24 share one timestamp, so id breaks the tie.
        var rows = Enumerable.Range(0, 25)
            .Select(i => TestData.Consume(token, i, at: TestData.Time.AddSeconds(Math.Min(i, 20))))
            .ToList();
        await AppendAsync(database, rows);

        var first = await QueryAsync(database, new() { TokenName = token.Name, Page = 1, PageSize = 10 });
        var third = await QueryAsync(database, new() { TokenName = token.Name, Page = 3, PageSize = 10 });
        var beyond = await QueryAsync(database, new() { TokenName = token.Name, Page = 4, PageSize = 10 });

        Assert.Equal(25, first.Total);
        Assert.Equal(Enumerable.Range(15, 10).Reverse().Select(static i => (long)i), first.Items.Select(static l => l.Quota));
        Assert.Equal(25, third.Total);
        Assert.Equal([4L, 3L, 2L, 1L, 0L], third.Items.Select(static l => l.Quota));
        Assert.Equal(25, beyond.Total);
        Assert.Empty(beyond.Items);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task QueryAsync_InvalidPage_Throws(string provider)
    {
        var database = await fixture.GetAsync(provider);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => QueryAsync(database, new() { Page = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => QueryAsync(database, new() { PageSize = 0 }));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task ReadPagesAsync_EveryMatchingRowOnce_NewestFirst_TiesSplitAcrossPages(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = TestData.Token();
        token.Id = 9_000_007;

        // 25 rows; rows 10..24 share one timestamp, so pages of 4 split the tie and only the id orders it.
        var rows = Enumerable.Range(0, 25).Select(i => TestData.Consume(token, i, "pages-model", TestData.Time.AddDays(30).AddSeconds(Math.Min(i, 10)))).ToList();
        rows.Add(TestData.Consume(TestData.Token(), 99, "pages-model", TestData.Time.AddDays(30).AddSeconds(5)));
        await AppendAsync(database, rows);

        await using var scope = database.CreateScope();
        var queries = scope.ServiceProvider.GetRequiredService<IUsageLogQueries>();
        var read = new List<UsageLog>();
        var pages = 0;
        await foreach (var page in queries.ReadPagesAsync(new() { TokenName = token.Name }, 4, Ct))
        {
            Assert.InRange(page.Count, 1, 4);
            if (pages++ == 0)
            {
                // A row written during the read, newer than its first page, is not part of it.
                await AppendAsync(database, [TestData.Consume(token, 1000, "pages-model", TestData.Time.AddDays(31))]);
            }

            read.AddRange(page);
        }

        Assert.Equal(7, pages);
        Assert.Equal(rows.Take(25).OrderByDescending(static r => r.CreatedAt).ThenByDescending(static r => r.Id).Select(static r => r.Id), read.Select(static r => r.Id));
        Assert.Equal(Enumerable.Range(0, 25).Select(static i => (long)i).Reverse(), read.Select(static r => r.Quota));
        Assert.Empty(await ToListAsync(queries.ReadPagesAsync(new() { Username = "nobody-by-this-name" }, 4, Ct)));
    }

    private static async Task<List<IReadOnlyList<UsageLog>>> ToListAsync(IAsyncEnumerable<IReadOnlyList<UsageLog>> pages)
    {
        var list = new List<IReadOnlyList<UsageLog>>();
        await foreach (var page in pages)
        {
            list.Add(page);
        }

        return list;
    }

    private static long[] Quotas(params long[] values) => values;

    private static async Task AppendAsync(TestDatabase database, IReadOnlyList<UsageLog> rows)
    {
        await using var scope = database.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(rows, Ct);
    }

    private static async Task<UsageLogPage> QueryAsync(TestDatabase database, UsageLogQuery query)
    {
        await using var scope = database.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().QueryAsync(query, Ct);
    }

    private static async Task<long[]> QuotasAsync(TestDatabase database, UsageLogQuery query)
    {
        var page = await QueryAsync(database, query with { PageSize = 100 });
        Assert.Equal(page.Items.Count, page.Total);
        return [.. page.Items.Select(static l => l.Quota)];
    }
}
