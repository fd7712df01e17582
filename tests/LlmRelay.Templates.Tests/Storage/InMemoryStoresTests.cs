using LlmRelay.Channels;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Templates.Tests.Storage;

/// <summary>AddInMemoryStores(): the stores behind the llmrelay-api template.</summary>
public sealed class InMemoryStoresTests
{
    [Fact]
    public async Task ChannelStore_ReadCopy_ChangesNothingUntilUpdate()
    {
        using var services = CreateSut();
        var store = services.GetRequiredService<IChannelStore>();
        var channel = new RelayChannel { Name = "a", BaseUrl = "http://127.0.0.1:1", Models = ["m"] };
        await store.AddAsync(channel, TestContext.Current.CancellationToken);

        var read = (await store.FindAsync(channel.Id, TestContext.Current.CancellationToken))!;
        read.Models.Add("changed");
        Assert.Equal(["m"], (await store.FindAsync(channel.Id, TestContext.Current.CancellationToken))!.Models);

        await store.UpdateAsync(read, TestContext.Current.CancellationToken);
        Assert.Equal(["m", "changed"], (await store.ListAsync(TestContext.Current.CancellationToken)).Single().Models);
        Assert.True(await store.DeleteAsync(channel.Id, TestContext.Current.CancellationToken));
        Assert.Empty(await store.ListAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TokenStore_AddFindQueryDelete_Works()
    {
        using var services = CreateSut();
        var store = services.GetRequiredService<ITokenStore>();
        var first = new ApiToken { Name = "alpha", KeyHash = ApiKeys.Hash("sk-a"), UserId = 1 };
        var second = new ApiToken { Name = "beta", KeyHash = ApiKeys.Hash("sk-b"), UserId = 2 };
        await store.AddAsync(first, TestContext.Current.CancellationToken);
        await store.AddAsync(second, TestContext.Current.CancellationToken);

        Assert.Equal(first.Id, (await store.FindByKeyHashAsync(ApiKeys.Hash("sk-a"), TestContext.Current.CancellationToken))!.Id);
        Assert.NotEqual(first.Id, second.Id);
        var page = await store.QueryAsync(new PageQuery { Keyword = "BET" }, TestContext.Current.CancellationToken);
        Assert.Equal("beta", Assert.Single(page.Items).Name);
        Assert.Equal(0, await store.DeleteAsync([first.Id], userId: 2, TestContext.Current.CancellationToken));
        Assert.Equal(1, await store.DeleteAsync([first.Id], userId: null, TestContext.Current.CancellationToken));
        Assert.Null(await store.FindAsync(first.Id, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UsageLogStore_Append_ChargesTokenAndPagesNewestFirst()
    {
        using var services = CreateSut();
        var tokens = services.GetRequiredService<ITokenStore>();
        var logs = services.GetRequiredService<IUsageLogStore>();
        var token = new ApiToken { Name = "t", KeyHash = ApiKeys.Hash("sk-t"), RemainQuota = 100 };
        await tokens.AddAsync(token, TestContext.Current.CancellationToken);
        var start = DateTimeOffset.UnixEpoch;

        await logs.AppendAsync(
            [
                new UsageLog { TokenId = token.Id, Quota = 30, ModelName = "m", CreatedAt = start },
                new UsageLog { TokenId = token.Id, Quota = 20, ModelName = "m", CreatedAt = start.AddSeconds(1) },
                new UsageLog { Type = UsageLogType.TopUp, TokenId = token.Id, Quota = 1000, CreatedAt = start.AddSeconds(2) },
            ],
            TestContext.Current.CancellationToken);

        var stored = (await tokens.FindAsync(token.Id, TestContext.Current.CancellationToken))!;
        Assert.Equal(50, stored.RemainQuota);
        Assert.Equal(50, stored.UsedQuota);
        var page = await logs.QueryAsync(new UsageLogQuery { Type = UsageLogType.Consume, PageSize = 1 }, TestContext.Current.CancellationToken);
        Assert.Equal(2, page.Total);
        Assert.Equal(20, Assert.Single(page.Items).Quota);
    }

    [Fact]
    public async Task UsageLogStore_BeyondCapacity_KeepsNewestRows()
    {
        using var services = CreateSut();
        var logs = services.GetRequiredService<IUsageLogStore>();
        var batch = Enumerable.Range(0, 10_050).Select(i => new UsageLog { CreatedAt = DateTimeOffset.UnixEpoch.AddSeconds(i), Content = $"{i}" }).ToList();

        await logs.AppendAsync(batch, TestContext.Current.CancellationToken);

        var page = await logs.QueryAsync(new UsageLogQuery { PageSize = 1 }, TestContext.Current.CancellationToken);
        Assert.Equal(10_000, page.Total);
        Assert.Equal("10049", page.Items[0].Content);
        var oldest = await logs.QueryAsync(new UsageLogQuery { Page = 10_000, PageSize = 1 }, TestContext.Current.CancellationToken);
        Assert.Equal("50", oldest.Items[0].Content);
    }

    [Fact]
    public async Task RelayDatabase_AlwaysMigratedAndReachable()
    {
        using var services = CreateSut();
        var database = services.GetRequiredService<IRelayDatabase>();

        await database.MigrateAsync(TestContext.Current.CancellationToken);

        Assert.True(await database.CanConnectAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void AddInMemoryStores_AfterEntityFrameworkStores_KeepsTheFirstRegistration()
    {
        var services = new ServiceCollection();
        services.AddLlmRelay().AddSqliteStores("Data Source=:memory:").AddInMemoryStores();

        Assert.Equal("EfChannelStore", services.Last(static d => d.ServiceType == typeof(IChannelStore)).ImplementationType?.Name);
        Assert.Single(services, static d => d.ServiceType == typeof(IChannelStore));
    }

    [Fact]
    public void AddInMemoryStores_BeforeEntityFrameworkStores_KeepsTheFirstRegistration()
    {
        var services = new ServiceCollection();
        services.AddLlmRelay().AddInMemoryStores().AddSqliteStores("Data Source=:memory:");

        foreach (var type in (Type[])[typeof(IChannelStore), typeof(ITokenStore), typeof(IUsageLogStore), typeof(IRelayDatabase)])
        {
            var descriptor = Assert.Single(services, d => d.ServiceType == type);
            Assert.StartsWith("InMemory", descriptor.ImplementationType?.Name, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AddInMemoryStores_CalledTwice_RegistersOnce()
    {
        var services = new ServiceCollection();
        services.AddLlmRelay().AddInMemoryStores().AddInMemoryStores();

        Assert.Single(services, static d => d.ServiceType == typeof(ITokenStore));
    }

    private static ServiceProvider CreateSut()
    {
        var services = new ServiceCollection();
        services.AddLlmRelay().AddInMemoryStores();
        return services.BuildServiceProvider(validateScopes: true);
    }
}
