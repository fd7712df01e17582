using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

/// <summary>The Data Protection key ring kept in the database: what one instance protects, another on the same database reads (issue #18).</summary>
public sealed class DataProtectionKeyStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Protect_OnOneInstance_UnprotectsOnAnotherInstanceOnTheSameDatabase(string provider)
    {
        await using var a = await TestDatabase.CreateAsync(provider, configure: UseDatabaseKeys);

        // B shares only the database with A: its own container, key ring cache and (empty) local key directory.
        var b = new ServiceCollection().AddLogging();
        var relay = b.AddLlmRelay();
        _ = provider == TestDatabase.Sqlite ? relay.AddSqliteStores(a.ConnectionString) : relay.AddPostgreSqlStores(a.ConnectionString);
        UseDatabaseKeys(b);
        await using var instanceB = b.BuildServiceProvider();

        var secret = a.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("sk-upstream-key");

        Assert.Equal("sk-upstream-key", instanceB.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(secret));
        await using var scope = a.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<LlmRelay.Storage.EfCore.Internal.LlmRelayDbContext>();
        var key = Assert.Single(db.DataProtectionKeys);
        Assert.StartsWith("key-", key.FriendlyName, StringComparison.Ordinal);
        Assert.Contains("<key ", key.Xml, StringComparison.Ordinal);
        _ = Ct;
    }

    private static void UseDatabaseKeys(IServiceCollection services)
    {
        // A fresh, empty local directory: were the keys read from the default file ring, B could not read A's.
        var local = Directory.CreateTempSubdirectory("llmrelay-dp-").FullName;
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(local)).SetApplicationName("llmrelay-test");
        new LlmRelayBuilderShim(services).PersistDataProtectionKeysToDatabase();
    }

    private sealed class LlmRelayBuilderShim(IServiceCollection services) : ILlmRelayBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
