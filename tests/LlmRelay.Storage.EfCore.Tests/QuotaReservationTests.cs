using LlmRelay.Storage.EfCore.Internal;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using LlmRelay.Tokens;
using LlmRelay.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

/// <summary><see cref="ITokenStore.TryReserveQuotaAsync"/>: the token (a cap) and its user (the wallet), both or neither.</summary>
public sealed class QuotaReservationTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task LimitedTokenWithUser_TakesBoth_OrNeither(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var user = await AddUserAsync(database, quota: 100);
        var token = await AddTokenAsync(database, user.Id, remainQuota: 70, unlimited: false);

        Assert.Equal(QuotaReservation.Reserved, await ReserveAsync(database, token.Id, 60));
        Assert.Equal((10L, 40L), await BalancesAsync(database, token.Id, user.Id));

        // The token's cap is short: the user keeps its quota.
        Assert.Equal(QuotaReservation.TokenInsufficient, await ReserveAsync(database, token.Id, 11));
        Assert.Equal((10L, 40L), await BalancesAsync(database, token.Id, user.Id));

        // The user's wallet is short: the token keeps its quota.
        await SetUserQuotaAsync(database, user.Id, 5);
        Assert.Equal(QuotaReservation.UserInsufficient, await ReserveAsync(database, token.Id, 10));
        Assert.Equal((10L, 5L), await BalancesAsync(database, token.Id, user.Id));

        Assert.Equal(QuotaReservation.Reserved, await ReserveAsync(database, token.Id, 5));
        Assert.Equal((5L, 0L), await BalancesAsync(database, token.Id, user.Id));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task UnlimitedTokenWithUser_IsBoundedByTheUser_AndItsCounterMovesAlike(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var user = await AddUserAsync(database, quota: 30);
        var token = await AddTokenAsync(database, user.Id, remainQuota: 0, unlimited: true);

        Assert.Equal(QuotaReservation.Reserved, await ReserveAsync(database, token.Id, 20));
        Assert.Equal(QuotaReservation.UserInsufficient, await ReserveAsync(database, token.Id, 20));
        Assert.Equal((-20L, 10L), await BalancesAsync(database, token.Id, user.Id));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task TokenWithoutUser_IsBoundedByTheTokenOnly_AndMissingRowsAreRefused(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = await AddTokenAsync(database, userId: 0, remainQuota: 10, unlimited: false);
        var orphan = await AddTokenAsync(database, userId: long.MaxValue - 1, remainQuota: 10, unlimited: false);

        Assert.Equal(QuotaReservation.Reserved, await ReserveAsync(database, token.Id, 10));
        Assert.Equal(QuotaReservation.TokenInsufficient, await ReserveAsync(database, token.Id, 1));
        Assert.Equal(QuotaReservation.TokenInsufficient, await ReserveAsync(database, long.MaxValue, 1));
        Assert.Equal(QuotaReservation.UserInsufficient, await ReserveAsync(database, orphan.Id, 1)); // its user is gone
        Assert.Equal(10L, (await BalancesAsync(database, orphan.Id, 0)).Token);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task ConcurrentReservations_OnManyTokensOfOneUser_NeverOverdrawTheUser(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var user = await AddUserAsync(database, quota: 25 * 7);
        var tokens = new List<ApiToken>();
        for (var i = 0; i < 4; i++)
        {
            tokens.Add(await AddTokenAsync(database, user.Id, remainQuota: i == 0 ? 10 * 7 : 0, unlimited: i != 0));
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 80).Select(i => Task.Run(() => ReserveAsync(database, tokens[i % 4].Id, 7), Ct)));

        Assert.Equal(25, results.Count(static r => r == QuotaReservation.Reserved));
        Assert.Equal(0L, (await BalancesAsync(database, tokens[0].Id, user.Id)).User);
        var capped = results.Where((_, i) => i % 4 == 0).Count(static r => r == QuotaReservation.Reserved);
        Assert.InRange(capped, 0, 10);
        Assert.Equal((10L - capped) * 7, (await BalancesAsync(database, tokens[0].Id, user.Id)).Token);
    }

    private static async Task<QuotaReservation> ReserveAsync(TestDatabase database, long tokenId, long amount)
    {
        await using var scope = database.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ITokenStore>().TryReserveQuotaAsync(tokenId, amount, Ct);
    }

    private static async Task<RelayUser> AddUserAsync(TestDatabase database, long quota)
    {
        var user = new RelayUser { Username = TestData.Unique("u"), Quota = quota, AffCode = TestData.Unique("aff"), CreatedAt = TestData.Time };
        await using var scope = database.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IUserStore>().AddAsync(user, Ct);
        return user;
    }

    private static async Task<ApiToken> AddTokenAsync(TestDatabase database, long userId, long remainQuota, bool unlimited)
    {
        var token = TestData.Token(remainQuota);
        token.UserId = userId;
        token.UnlimitedQuota = unlimited;
        await using var scope = database.CreateScope();
        await scope.ServiceProvider.GetRequiredService<ITokenStore>().AddAsync(token, Ct);
        return token;
    }

    private static async Task SetUserQuotaAsync(TestDatabase database, long userId, long quota)
    {
        await using var scope = database.CreateScope();
        await scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>().Users.Where(u => u.Id == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.Quota, quota), Ct);
    }

    private static async Task<(long Token, long User)> BalancesAsync(TestDatabase database, long tokenId, long userId)
    {
        await using var scope = database.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
        var token = await db.Tokens.AsNoTracking().SingleAsync(t => t.Id == tokenId, Ct);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, Ct);
        return (token.RemainQuota, user?.Quota ?? 0);
    }
}
