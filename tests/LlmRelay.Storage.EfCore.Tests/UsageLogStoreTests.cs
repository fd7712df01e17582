using LlmRelay.Storage.EfCore.Internal;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

public sealed class UsageLogStoreTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AppendAsync_ConsumeRows_InsertRowsAndMoveQuota(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = await AddTokenAsync(database, remainQuota: 1000);
        var other = await AddTokenAsync(database, remainQuota: 50);
        var error = TestData.Consume(token, 3);
        error.Type = UsageLogType.Error;
        var anonymous = TestData.Consume(token, 9);
        anonymous.TokenId = 0;
        UsageLog[] batch = [TestData.Consume(token, 10), TestData.Consume(other, 4), TestData.Consume(token, 5), error, anonymous];

        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(batch, Ct);
        }

        Assert.All(batch, static l => Assert.NotEqual(0, l.Id));
        Assert.Equal(batch.Length, batch.Select(static l => l.Id).Distinct().Count());
        var (remain, used) = await ReadQuotaAsync(database, token.Id);
        Assert.Equal((985L, 15L), (remain, used));
        Assert.Equal((46L, 4L), await ReadQuotaAsync(database, other.Id));

        await using (var scope = database.CreateScope())
        {
            var page = await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().QueryAsync(new() { TokenName = token.Name, PageSize = 100 }, Ct);
            Assert.Equal(4, page.Total);
            var stored = page.Items.Single(l => l.Id == batch[0].Id);
            var expected = batch[0];
            Assert.Equal(expected.CreatedAt, stored.CreatedAt);
            Assert.Equal(expected.Type, stored.Type);
            Assert.Equal(expected.UserId, stored.UserId);
            Assert.Equal(expected.TokenId, stored.TokenId);
            Assert.Equal(expected.ModelName, stored.ModelName);
            Assert.Equal(expected.ChannelName, stored.ChannelName);
            Assert.Equal(expected.Quota, stored.Quota);
            Assert.Equal(expected.PromptTokens, stored.PromptTokens);
            Assert.Equal(expected.CompletionTokens, stored.CompletionTokens);
            Assert.Equal(expected.UseTimeMs, stored.UseTimeMs);
            Assert.Equal(expected.FirstByteMs, stored.FirstByteMs);
            Assert.True(stored.IsStream);
            Assert.Equal(200, stored.StatusCode);
            Assert.Equal(expected.RequestId, stored.RequestId);
            Assert.Equal(expected.Other.ToJson(), stored.Other.ToJson());
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AppendAsync_TwentyConcurrentBatches_LoseNoQuota(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = await AddTokenAsync(database, remainQuota: 0);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            await using var scope = database.CreateScope();
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync([TestData.Consume(token, 7)], Ct);
        }, Ct)));

        Assert.Equal((-140L, 140L), await ReadQuotaAsync(database, token.Id));
        Assert.Equal(20, await CountRowsAsync(database, token.Id));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AppendAsync_BatchWithRefusedRow_StoresNothing_ThrowsRejected_AndCanBeRetried(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = await AddTokenAsync(database, remainQuota: 100);
        var invalid = TestData.Consume(token, 5);
        invalid.ModelName = null!; // violates NOT NULL after the quota UPDATE ran inside the transaction
        UsageLog[] batch = [TestData.Consume(token, 7), invalid];

        await using (var scope = database.CreateScope())
        {
            // A data error, not an outage: the writer isolates the row instead of retrying the batch as it is.
            var rejected = await Assert.ThrowsAsync<UsageLogRejectedException>(() => scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(batch, Ct));
            Assert.IsAssignableFrom<System.Data.Common.DbException>(rejected.InnerException);
            Assert.Contains("model_name", rejected.Message, StringComparison.Ordinal);
        }

        Assert.Equal((100L, 0L), await ReadQuotaAsync(database, token.Id));
        Assert.Equal(0, await CountRowsAsync(database, token.Id));
        Assert.All(batch, static l => Assert.Equal(0, l.Id));

        // The writer retries the same objects in a new scope.
        invalid.ModelName = "gpt-4o";
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(batch, Ct);
        }

        Assert.Equal((88L, 12L), await ReadQuotaAsync(database, token.Id));
        Assert.Equal(2, await CountRowsAsync(database, token.Id));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AppendAsync_Canceled_StoresNothing(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = await AddTokenAsync(database, remainQuota: 100);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await using (var scope = database.CreateScope())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync([TestData.Consume(token, 7)], cancellation.Token));
        }

        Assert.Equal((100L, 0L), await ReadQuotaAsync(database, token.Id));
        Assert.Equal(0, await CountRowsAsync(database, token.Id));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AppendAsync_WithSettlements_MovesTokenAndUserAsTheRowsWould_WithoutStoringThem(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var user = new LlmRelay.Users.RelayUser { Username = TestData.Unique("u"), Quota = 1000, AffCode = TestData.Unique("aff"), CreatedAt = TestData.Time };
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUserStore>().AddAsync(user, Ct);
        }

        var token = TestData.Token(remainQuota: 500);
        token.UserId = user.Id;
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ITokenStore>().AddAsync(token, Ct);
        }

        // One stored row (charged 10, nothing reserved), and dropped rows: three calls charged 30 in all against 60 reserved.
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(
                [TestData.Consume(token, 10)],
                [new QuotaSettlement(token.Id, user.Id, Charged: 30, Reserved: 60, Requests: 3)],
                Ct);
        }

        // Settlements alone (the writer's final flush) also move the balances.
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync([], [new QuotaSettlement(token.Id, user.Id, 5, 0, 1)], Ct);
        }

        Assert.Equal((500L - 10 - 30 + 60 - 5, 45L), await ReadQuotaAsync(database, token.Id));
        Assert.Equal(1, await CountRowsAsync(database, token.Id));
        await using (var scope = database.CreateScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>().Users.AsNoTracking().SingleAsync(u => u.Id == user.Id, Ct);
            // The 60 reserved was taken from the token and its user alike, so it returns to both.
            Assert.Equal((1000L - 10 - 30 + 60 - 5, 45L, 5L), (stored.Quota, stored.UsedQuota, stored.RequestCount));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AppendAsync_Empty_DoesNothing(string provider)
    {
        var database = await fixture.GetAsync(provider);
        await using var scope = database.CreateScope();

        await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync([], Ct);
    }

    private static async Task<ApiToken> AddTokenAsync(TestDatabase database, long remainQuota)
    {
        var token = TestData.Token(remainQuota);
        await using var scope = database.CreateScope();
        await scope.ServiceProvider.GetRequiredService<ITokenStore>().AddAsync(token, Ct);
        return token;
    }

    private static async Task<(long Remain, long Used)> ReadQuotaAsync(TestDatabase database, long tokenId)
    {
        await using var scope = database.CreateScope();
        var token = await scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>().Tokens.AsNoTracking().SingleAsync(t => t.Id == tokenId, Ct);
        return (token.RemainQuota, token.UsedQuota);
    }

    private static async Task<int> CountRowsAsync(TestDatabase database, long tokenId)
    {
        await using var scope = database.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>().UsageLogs.CountAsync(l => l.TokenId == tokenId, Ct);
    }
}
