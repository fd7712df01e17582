using LlmRelay.Storage.EfCore.Internal;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.Storage.EfCore.Tests;

public sealed class MigrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task MigrateAsync_EmptyDatabase_AppliesInitialCreateAndIsRepeatable(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, migrate: false);
        await using var scope = database.CreateScope();
        var relayDatabase = scope.ServiceProvider.GetRequiredService<IRelayDatabase>();
        var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();

        Assert.Contains(context.Database.GetMigrations(), static m => m.EndsWith("_InitialCreate", StringComparison.Ordinal));

        await relayDatabase.MigrateAsync(Ct);
        await relayDatabase.MigrateAsync(Ct);

        Assert.True(await relayDatabase.CanConnectAsync(Ct));
        Assert.Empty(await context.Database.GetPendingMigrationsAsync(Ct));
        Assert.Contains(await context.Database.GetAppliedMigrationsAsync(Ct), static m => m.EndsWith("_InitialCreate", StringComparison.Ordinal));
        Assert.Equal(provider == TestDatabase.Sqlite ? RelayDatabaseProvider.Sqlite : RelayDatabaseProvider.PostgreSql, ((EfRelayDatabase)relayDatabase).Provider);

        // The tables are usable and named in snake_case.
        Assert.Equal(0, await context.Database.SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM usage_logs WHERE token_id = 0").SingleAsync(Ct));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Model_HasNoChangesMissingFromMigrations(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider, migrate: false);
        await using var scope = database.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();

        Assert.False(
            context.Database.HasPendingModelChanges(),
            $"The model changed since the last {provider} migration; run eng/LlmRelay.MigrationsGenerator (see its README).");
    }

    [Fact]
    public async Task MigrateAsync_Sqlite_TurnsOnWriteAheadLog()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using var scope = database.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();

        var mode = await context.Database.SqlQueryRaw<string>("SELECT journal_mode AS \"Value\" FROM pragma_journal_mode").SingleAsync(Ct);

        Assert.Equal("wal", mode, ignoreCase: true);
    }
}
