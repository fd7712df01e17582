using LlmRelay.Core.Tests.TestDoubles;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Tokens;

public sealed class TokenCacheTests
{
    private readonly FakeTokenStore _store = new();
    private readonly FakeTimeProvider _time = new();

    private TokenCache CreateSut()
    {
        var services = new ServiceCollection().AddSingleton<ITokenStore>(_store).BuildServiceProvider();
        return new TokenCache(services.GetRequiredService<IServiceScopeFactory>(), _time);
    }

    [Fact]
    public async Task FindAsync_KnownKey_ReturnsTheToken_AndCachesIt()
    {
        await _store.AddAsync(new ApiToken { Name = "a", KeyHash = ApiKeys.Hash("sk-known"), Models = ["m"] }, TestContext.Current.CancellationToken);
        var sut = CreateSut();

        var first = await sut.FindAsync("sk-known", TestContext.Current.CancellationToken);
        var second = await sut.FindAsync("sk-known", TestContext.Current.CancellationToken);

        Assert.Equal("a", first!.Name);
        Assert.Same(first, second);
        Assert.Equal(1, _store.Lookups);
        Assert.True(first.AllowsModel("m"));
        Assert.False(first.AllowsModel("other"));
    }

    [Fact]
    public async Task FindAsync_UnknownKey_IsCachedBriefly_ThenLookedUpAgain()
    {
        var sut = CreateSut();

        Assert.Null(await sut.FindAsync("sk-unknown", TestContext.Current.CancellationToken));
        Assert.Null(await sut.FindAsync("sk-unknown", TestContext.Current.CancellationToken));
        Assert.Equal(1, _store.Lookups);

        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Null(await sut.FindAsync("sk-unknown", TestContext.Current.CancellationToken));
        Assert.Equal(2, _store.Lookups);
    }

    [Fact]
    public async Task FindAsync_AfterTheTtl_SeesStoreChanges()
    {
        var token = new ApiToken { Name = "before", KeyHash = ApiKeys.Hash("sk-k") };
        await _store.AddAsync(token, TestContext.Current.CancellationToken);
        var sut = CreateSut();
        Assert.Equal("before", (await sut.FindAsync("sk-k", TestContext.Current.CancellationToken))!.Name);

        token.Name = "after";
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("before", (await sut.FindAsync("sk-k", TestContext.Current.CancellationToken))!.Name);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal("after", (await sut.FindAsync("sk-k", TestContext.Current.CancellationToken))!.Name);
    }

    [Fact]
    public async Task Clear_DropsCachedEntries()
    {
        await _store.AddAsync(new ApiToken { KeyHash = ApiKeys.Hash("sk-k") }, TestContext.Current.CancellationToken);
        var sut = CreateSut();
        await sut.FindAsync("sk-k", TestContext.Current.CancellationToken);

        sut.Clear();
        await sut.FindAsync("sk-k", TestContext.Current.CancellationToken);

        Assert.Equal(2, _store.Lookups);
    }

    [Fact]
    public async Task Charge_LowersTheCachedBalance()
    {
        await _store.AddAsync(new ApiToken { KeyHash = ApiKeys.Hash("sk-k"), RemainQuota = 100 }, TestContext.Current.CancellationToken);
        var entry = (await CreateSut().FindAsync("sk-k", TestContext.Current.CancellationToken))!;

        entry.Charge(30);

        Assert.Equal(70, entry.RemainQuota);
    }

    [Fact]
    public void ApiKeys_HashIsStableHex_AndMaskHidesTheMiddle()
    {
        Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", ApiKeys.Hash("hello"));
        Assert.Equal("sk-abcd...wxyz", ApiKeys.Mask("sk-abcdefghijklmnopqrstuvwxyz"));
        Assert.StartsWith("sk-", ApiKeys.Generate(), StringComparison.Ordinal);
        Assert.NotEqual(ApiKeys.Generate(), ApiKeys.Generate());
    }
}
