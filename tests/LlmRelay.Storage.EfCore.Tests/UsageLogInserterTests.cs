using LlmRelay.Storage.EfCore.Internal;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

/// <summary>
/// The batch write path behind <see cref="IUsageLogStore.AppendAsync(IReadOnlyList{UsageLog}, CancellationToken)"/>
/// (<see cref="UsageLogInserter"/>): one settlement per token and user for a whole batch (one set-based statement per
/// table on PostgreSQL, then a binary COPY), exact sums, no deadlock between concurrent writers.
/// </summary>
public sealed class UsageLogInserterTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AppendAsync_LargeBatchOverManyTokensAndUsers_SettlesEachOnceAndStoresEveryRow(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var users = await AddUsersAsync(database, 3, quota: 10_000_000);
        var tokens = await AddTokensAsync(database, users, 7, remainQuota: 1_000_000);
        var batch = new List<UsageLog>();
        for (var i = 0; i < 1_200; i++)
        {
            var log = TestData.Consume(tokens[(i * 5) % tokens.Length], quota: 1 + (i % 13));
            log.ReservedQuota = 10;
            log.FirstByteMs = i % 3 == 0 ? null : i;
            log.IsStream = i % 2 == 0;
            if (i % 10 == 0)
            {
                log.Type = UsageLogType.Error; // charges nothing, gives its reservation back
            }

            batch.Add(log);
        }

        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(batch, Ct);
        }

        Assert.Equal(batch.Count, batch.Select(static l => l.Id).Where(static id => id > 0).Distinct().Count());
        await using (var scope = database.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
            foreach (var token in tokens)
            {
                var rows = batch.Where(l => l.TokenId == token.Id).ToList();
                var charged = rows.Where(static l => l.Type == UsageLogType.Consume).Sum(static l => l.Quota);
                var stored = await db.Tokens.AsNoTracking().SingleAsync(t => t.Id == token.Id, Ct);
                Assert.Equal((1_000_000 - charged + (10L * rows.Count), charged), (stored.RemainQuota, stored.UsedQuota));
            }

            foreach (var user in users)
            {
                // Each row's reservation was taken from the user too, and comes back to it.
                var reserved = 10L * batch.Count(l => l.UserId == user.Id);
                var consumed = batch.Where(l => l.UserId == user.Id && l.Type == UsageLogType.Consume).ToList();
                var stored = await db.Users.AsNoTracking().SingleAsync(u => u.Id == user.Id, Ct);
                Assert.Equal(
                    (10_000_000 - consumed.Sum(static l => l.Quota) + reserved, consumed.Sum(static l => l.Quota), (long)consumed.Count),
                    (stored.Quota, stored.UsedQuota, stored.RequestCount));
            }

            var ids = batch.Select(static l => l.Id).ToList();
            var storedRows = await db.UsageLogs.AsNoTracking().Where(l => ids.Contains(l.Id)).ToDictionaryAsync(static l => l.Id, Ct);
            Assert.Equal(batch.Count, storedRows.Count);
            foreach (var log in batch)
            {
                var stored = storedRows[log.Id];
                Assert.Equal(
                    (log.Type, log.TokenId, log.UserId, log.Quota, log.FirstByteMs, log.IsStream, log.RequestId, log.CreatedAt),
                    (stored.Type, stored.TokenId, stored.UserId, stored.Quota, stored.FirstByteMs, stored.IsStream, stored.RequestId, stored.CreatedAt));
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AppendAsync_ConcurrentBatchesOverTheSameTokensInOppositeOrders_NeitherDeadlocksNorLosesQuota(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var users = await AddUsersAsync(database, 2, quota: 0);
        var tokens = await AddTokensAsync(database, users, 6, remainQuota: 0);

        // Half the writers list the tokens ascending, half descending: without ordered row locks two of them can each
        // hold a row the other one waits for.
        await Task.WhenAll(Enumerable.Range(0, 12).Select(writer => Task.Run(async () =>
        {
            var order = writer % 2 == 0 ? tokens : [.. tokens.Reverse()];
            for (var round = 0; round < 5; round++)
            {
                await using var scope = database.CreateScope();
                await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync([.. order.Select(static t => TestData.Consume(t, 3))], Ct);
            }
        }, Ct)));

        await using var check = database.CreateScope();
        var db = check.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
        var ids = tokens.Select(static t => t.Id).ToList();
        var stored = await db.Tokens.AsNoTracking().Where(t => ids.Contains(t.Id)).ToListAsync(Ct);
        Assert.All(stored, static t => Assert.Equal((-180L, 180L), (t.RemainQuota, t.UsedQuota)));
        var userIds = users.Select(static u => u.Id).ToList();
        var storedUsers = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToListAsync(Ct);
        Assert.All(storedUsers, static u => Assert.Equal((-540L, 540L, 180L), (u.Quota, u.UsedQuota, u.RequestCount)));
        Assert.Equal(12 * 5 * 6, await db.UsageLogs.CountAsync(l => ids.Contains(l.TokenId), Ct));
    }

    private static async Task<RelayUser[]> AddUsersAsync(TestDatabase database, int count, long quota)
    {
        await using var scope = database.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<IUserStore>();
        var users = new RelayUser[count];
        for (var i = 0; i < count; i++)
        {
            users[i] = new RelayUser { Username = TestData.Unique("user"), AffCode = TestData.Unique("aff"), Quota = quota, CreatedAt = TestData.Time };
            await store.AddAsync(users[i], Ct);
        }

        return users;
    }

    private static async Task<ApiToken[]> AddTokensAsync(TestDatabase database, RelayUser[] users, int count, long remainQuota)
    {
        await using var scope = database.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<ITokenStore>();
        var tokens = new ApiToken[count];
        for (var i = 0; i < count; i++)
        {
            tokens[i] = TestData.Token(remainQuota);
            tokens[i].UserId = users[i % users.Length].Id;
            await store.AddAsync(tokens[i], Ct);
        }

        return tokens;
    }
}
