using LlmRelay.Configuration;
using LlmRelay.Storage.EfCore.Internal;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Storage.EfCore.Tests;

/// <summary>
/// Reservations outlive the process that made them: an instance that dies between reserving and settling leaves records
/// that another instance returns to the token and the user, exactly once, and never while their instance is alive.
/// </summary>
public sealed class QuotaReservationRecoveryTests
{
    private const long Reservation = 5664;
    private const long TokenQuota = 1_000_000;
    private const long UserQuota = 2_000_000;

    // LlmRelay:Quota:InstanceLease unless a test sets it.
    private static readonly TimeSpan DefaultLease = new QuotaOptions().InstanceLease;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task DeadInstance_ItsReservationsAreReleasedExactlyOnce_OnceItsLeaseHasRunOut(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(TestData.Time);
        var (token, user) = await AddTokenAndUserAsync(database);

        var dead = Instance(database, time);
        await ReserveManyAsync(dead, token.Id, 10);
        await dead.DisposeAsync(); // "SIGKILL": nothing settles the ten calls
        Assert.Equal((TokenQuota - (10 * Reservation), UserQuota - (10 * Reservation)), await BalancesAsync(database, token.Id, user.Id));

        await using var restarted = Instance(database, time);
        var ledger = restarted.GetRequiredService<QuotaReservationLedger>();
        await ledger.HeartbeatAsync(Ct);

        // Within the lease the dead instance may still be alive (on a shared database): nothing is released yet.
        time.Advance(DefaultLease - TimeSpan.FromSeconds(1));
        Assert.Equal((0L, 0L), await ledger.SweepAsync(Ct));
        Assert.Equal(TokenQuota - (10 * Reservation), (await BalancesAsync(database, token.Id, user.Id)).Token);

        time.Advance(TimeSpan.FromSeconds(2));
        await ledger.HeartbeatAsync(Ct);
        Assert.Equal((1L, 10 * Reservation), await ledger.SweepAsync(Ct));
        Assert.Equal((TokenQuota, UserQuota), await BalancesAsync(database, token.Id, user.Id));
        Assert.Equal(0, await RecordCountAsync(database));

        // Released once: a second sweep, or a third instance's, finds nothing.
        Assert.Equal((0L, 0L), await ledger.SweepAsync(Ct));
        await using var third = Instance(database, time);
        Assert.Equal((0L, 0L), await third.GetRequiredService<QuotaReservationLedger>().SweepAsync(Ct));
        Assert.Equal((TokenQuota, UserQuota), await BalancesAsync(database, token.Id, user.Id));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task RestartedInstance_ItsHostedSweeper_ReleasesWhatTheDeadOneHeld_AtStart(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(TestData.Time);
        var (token, user) = await AddTokenAndUserAsync(database);

        var dead = Instance(database, time);
        await ReserveManyAsync(dead, token.Id, 10);
        await dead.DisposeAsync();

        // The restart comes after the lease (e.g. the 2 minutes a crashed container takes to be replaced).
        time.Advance(DefaultLease + TimeSpan.FromSeconds(1));
        await using var restarted = Instance(database, time);
        var sweeper = restarted.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<QuotaReservationSweeper>().Single();
        await sweeper.StartAsync(Ct);
        await sweeper.FirstRound.WaitAsync(Ct);
        await sweeper.StopAsync(Ct);

        Assert.Equal((TokenQuota, UserQuota), await BalancesAsync(database, token.Id, user.Id));
        Assert.Equal(0, await RecordCountAsync(database));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task ConfiguredHeartbeatAndLease_TheSweeperTicksAtTheHeartbeat_AndReleasesOnceTheLeaseHasRunOut(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(TestData.Time);
        var (token, user) = await AddTokenAndUserAsync(database);
        static void Short(QuotaOptions quota)
        {
            quota.InstanceHeartbeat = TimeSpan.FromSeconds(1);
            quota.InstanceLease = TimeSpan.FromSeconds(3);
        }

        var dead = Instance(database, time, Short);
        await ReserveManyAsync(dead, token.Id, 10);
        await dead.DisposeAsync();

        await using var restarted = Instance(database, time, Short);
        var ledger = restarted.GetRequiredService<QuotaReservationLedger>();
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)), (ledger.HeartbeatInterval, ledger.Lease));
        var sweeper = restarted.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<QuotaReservationSweeper>().Single();
        await sweeper.StartAsync(Ct);
        try
        {
            // Within the 3-second lease the first round (at start) releases nothing.
            await sweeper.FirstRound.WaitAsync(Ct);
            time.Advance(TimeSpan.FromSeconds(2.5));
            Assert.Equal((0L, 0L), await ledger.SweepAsync(Ct));
            Assert.Equal(10, (await RecordedAsync(database)) / Reservation);

            // One more heartbeat interval: the sweeper's next tick (at 1-second intervals, not 15) finds the lease run out.
            time.Advance(TimeSpan.FromSeconds(1));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (await RecordCountAsync(database) > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "The hosted sweeper did not release the dead instance's records at its next tick.");
                await Task.Delay(20, Ct);
            }

            Assert.Equal((TokenQuota, UserQuota), await BalancesAsync(database, token.Id, user.Id));
        }
        finally
        {
            await sweeper.StopAsync(Ct);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task SettledReservations_AreNotReleasedAgain_OnlyTheUnsettledOnesAre(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(TestData.Time);
        var (token, user) = await AddTokenAndUserAsync(database);

        var dead = Instance(database, time);
        await ReserveManyAsync(dead, token.Id, 3);

        // Two calls are settled (one charged 1,000, one produced nothing); the third is still in flight when the process dies.
        await using (var scope = dead.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync([Row(token, charged: 1000)], [new QuotaSettlement(token.Id, user.Id, 0, Reservation, 0)], Ct);
        }

        await dead.DisposeAsync();
        Assert.Equal(TokenQuota - 1000 - Reservation, (await BalancesAsync(database, token.Id, user.Id)).Token);

        await using var restarted = Instance(database, time);
        time.Advance(DefaultLease + TimeSpan.FromSeconds(1));
        Assert.Equal((1L, Reservation), await restarted.GetRequiredService<QuotaReservationLedger>().SweepAsync(Ct));
        Assert.Equal((TokenQuota - 1000, UserQuota - 1000), await BalancesAsync(database, token.Id, user.Id));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task LiveInstance_IsNeverSwept_WhileItsHeartbeatIsFresh_EvenWhileItReserves(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(TestData.Time);
        var (token, user) = await AddTokenAndUserAsync(database);

        await using var live = Instance(database, time);
        await using var starting = Instance(database, time);
        var sweeper = starting.GetRequiredService<QuotaReservationLedger>();
        await ReserveManyAsync(live, token.Id, 2);

        // A long call: far past the lease, but the live instance keeps writing its heartbeat.
        time.Advance(DefaultLease * 5);
        await live.GetRequiredService<QuotaReservationLedger>().HeartbeatAsync(Ct);

        // Another instance starts and sweeps while the live one reserves more.
        var reservations = Enumerable.Range(0, 20).Select(_ => Task.Run(() => ReserveAsync(live, token.Id), Ct)).ToList();
        var sweeps = Enumerable.Range(0, 5).Select(_ => Task.Run(() => sweeper.SweepAsync(Ct), Ct)).ToList();
        Assert.All(await Task.WhenAll(reservations), static r => Assert.Equal(QuotaReservation.Reserved, r));
        Assert.All(await Task.WhenAll(sweeps), static released => Assert.Equal((0L, 0L), released));

        Assert.Equal((TokenQuota - (22 * Reservation), UserQuota - (22 * Reservation)), await BalancesAsync(database, token.Id, user.Id));
        Assert.Equal(22 * Reservation, await RecordedAsync(database));

        // The live instance settles everything: nothing is left to release, and nothing was returned twice.
        await using (var scope = live.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync([], [new QuotaSettlement(token.Id, user.Id, 100, 22 * Reservation, 22)], Ct);
        }

        Assert.Equal(0, await RecordedAsync(database));
        Assert.Equal((TokenQuota - 100, UserQuota - 100), await BalancesAsync(database, token.Id, user.Id));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task InstanceCutOffPastItsLease_ItsLaterSettlements_DoNotReturnTheReleasedQuotaAgain(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(TestData.Time);
        var (token, user) = await AddTokenAndUserAsync(database);

        await using var stalled = Instance(database, time);
        await ReserveManyAsync(stalled, token.Id, 2);

        // No heartbeat for longer than the lease: another instance takes the first one for dead and releases its records.
        time.Advance(DefaultLease + TimeSpan.FromSeconds(1));
        await using var other = Instance(database, time);
        Assert.Equal((1L, 2 * Reservation), await other.GetRequiredService<QuotaReservationLedger>().SweepAsync(Ct));
        Assert.Equal((TokenQuota, UserQuota), await BalancesAsync(database, token.Id, user.Id));

        // The first instance was alive after all and settles its two calls: 300 charged, the reservations were returned already.
        await using (var scope = stalled.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync([Row(token, charged: 300)], [new QuotaSettlement(token.Id, user.Id, 0, Reservation, 0)], Ct);
        }

        Assert.Equal((TokenQuota - 300, UserQuota - 300), await BalancesAsync(database, token.Id, user.Id));
    }

    private static ServiceProvider Instance(TestDatabase database, TimeProvider time, Action<QuotaOptions>? quota = null)
    {
        var services = new ServiceCollection().AddLogging();
        var relay = services.AddLlmRelay(options => quota?.Invoke(options.Quota));
        _ = database.Provider == TestDatabase.Sqlite
            ? relay.AddSqliteStores(database.ConnectionString)
            : relay.AddPostgreSqlStores(database.ConnectionString);
        services.AddSingleton(time);
        return services.BuildServiceProvider(validateScopes: true);
    }

    private static async Task ReserveManyAsync(ServiceProvider instance, long tokenId, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(QuotaReservation.Reserved, await ReserveAsync(instance, tokenId));
        }
    }

    private static async Task<QuotaReservation> ReserveAsync(ServiceProvider instance, long tokenId)
    {
        await using var scope = instance.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ITokenStore>().TryReserveQuotaAsync(tokenId, Reservation, Ct);
    }

    private static UsageLog Row(ApiToken token, long charged)
    {
        var row = TestData.Consume(token, charged);
        row.ReservedQuota = Reservation;
        return row;
    }

    private static async Task<(ApiToken Token, RelayUser User)> AddTokenAndUserAsync(TestDatabase database)
    {
        await using var scope = database.CreateScope();
        var user = new RelayUser { Username = TestData.Unique("u"), Quota = UserQuota, AffCode = TestData.Unique("aff"), CreatedAt = TestData.Time };
        await scope.ServiceProvider.GetRequiredService<IUserStore>().AddAsync(user, Ct);
        var token = TestData.Token(TokenQuota);
        token.UserId = user.Id;
        await scope.ServiceProvider.GetRequiredService<ITokenStore>().AddAsync(token, Ct);
        return (token, user);
    }

    private static async Task<(long Token, long User)> BalancesAsync(TestDatabase database, long tokenId, long userId)
    {
        await using var scope = database.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>();
        var token = await db.Tokens.AsNoTracking().SingleAsync(t => t.Id == tokenId, Ct);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, Ct);
        return (token.RemainQuota, user.Quota);
    }

    private static async Task<int> RecordCountAsync(TestDatabase database)
    {
        await using var scope = database.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>().QuotaReservations.CountAsync(Ct);
    }

    private static async Task<long> RecordedAsync(TestDatabase database)
    {
        await using var scope = database.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<LlmRelayDbContext>().QuotaReservations.SumAsync(static r => r.Amount, Ct);
    }
}
