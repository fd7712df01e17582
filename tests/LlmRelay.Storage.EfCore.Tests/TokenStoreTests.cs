using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using LlmRelay.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

public sealed class TokenStoreTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AddAsync_ThenFind_RoundTripsEveryField(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = TestData.Token(remainQuota: 500);
        token.UnlimitedQuota = true;
        token.Status = TokenStatus.Exhausted;
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ITokenStore>().AddAsync(token, Ct);
        }

        Assert.NotEqual(0, token.Id);
        await using (var scope = database.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<ITokenStore>();
            var byHash = await store.FindByKeyHashAsync(token.KeyHash, Ct);
            var byId = await store.FindAsync(token.Id, Ct);

            Assert.NotNull(byHash);
            Assert.Same(byHash, byId);
            Assert.Equal(token.Name, byHash.Name);
            Assert.Equal(42, byHash.UserId);
            Assert.Equal("sk-abc...xyz", byHash.KeyHint);
            Assert.Equal(TokenStatus.Exhausted, byHash.Status);
            Assert.Equal(500, byHash.RemainQuota);
            Assert.Equal(0, byHash.UsedQuota);
            Assert.True(byHash.UnlimitedQuota);
            Assert.Equal(TestData.Time.AddDays(30), byHash.ExpiresAt);
            Assert.Equal(["gpt-4o", "claude-sonnet-4"], byHash.Models);
            Assert.Equal(TestData.Time, byHash.CreatedAt);
            Assert.Null(await store.FindByKeyHashAsync("missing", Ct));
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task UpdateAsync_ChangesFieldsAndClearsExpiry(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = TestData.Token();
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ITokenStore>().AddAsync(token, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<ITokenStore>();
            var found = (await store.FindAsync(token.Id, Ct))!;
            found.ExpiresAt = null;
            found.Models.Clear();
            found.Status = TokenStatus.Disabled;
            await store.UpdateAsync(found, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var found = (await scope.ServiceProvider.GetRequiredService<ITokenStore>().FindAsync(token.Id, Ct))!;
            Assert.Null(found.ExpiresAt);
            Assert.Empty(found.Models);
            Assert.Equal(TokenStatus.Disabled, found.Status);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task UpdateAsync_DoesNotOverwriteQuotaChargedMeanwhile(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var token = TestData.Token(remainQuota: 100);
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ITokenStore>().AddAsync(token, Ct);
        }

        await using (var editScope = database.CreateScope())
        {
            var store = editScope.ServiceProvider.GetRequiredService<ITokenStore>();
            var loaded = (await store.FindAsync(token.Id, Ct))!;

            await using (var chargeScope = database.CreateScope())
            {
                await chargeScope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync([TestData.Consume(token, 30)], Ct);
            }

            loaded.Name = "renamed";
            await store.UpdateAsync(loaded, Ct);
        }

        await using (var scope = database.CreateScope())
        {
            var found = (await scope.ServiceProvider.GetRequiredService<ITokenStore>().FindAsync(token.Id, Ct))!;
            Assert.Equal("renamed", found.Name);
            Assert.Equal(70, found.RemainQuota);
            Assert.Equal(30, found.UsedQuota);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task AddAsync_DuplicateKeyHash_Throws(string provider)
    {
        var database = await fixture.GetAsync(provider);
        var first = TestData.Token();
        var second = TestData.Token();
        second.KeyHash = first.KeyHash;
        await using var scope = database.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<ITokenStore>();
        await store.AddAsync(first, Ct);

        await Assert.ThrowsAsync<DbUpdateException>(() => store.AddAsync(second, Ct));
    }
}
