using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Pricing;
using LlmRelay.Storage;
using LlmRelay.Tokenization;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using LlmRelay.Users;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>The user's quota is the wallet, a token's quota only a cap: reserved together before the call, settled together after it.</summary>
public sealed class UserQuotaTests
{
    internal const string UserKey = "sk-user-0123456789abcdefghijklmnop";
    private const string Body = """{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"count me"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(QuotaLedgerTests.Providers), MemberType = typeof(QuotaLedgerTests))]
    public async Task ConcurrentRequests_ThroughAnUnlimitedKey_NeverOverdrawTheUser_AndLoggedQuotaEqualsTheUsersSpend(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await MockUpstream.StartAsync(async (context, request) =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await MockUpstream.Json(FamilyUpstream.OpenAIJson)(context, request);
        });
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.FlatPrice("gpt-4o"), Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]), database.Settings));
        gateway.Start();

        // The key has no cap; its user holds exactly 50 reservations' worth of quota.
        var reservation = QuotaCalculator.EstimateReservation(ITokenCounter.EstimateFromBytes(Encoding.UTF8.GetByteCount(Body)), 10, new ModelPrice(), 1);
        var funded = 50 * reservation;
        var (userId, tokenId) = await AddUserKeyAsync(gateway, userQuota: funded);
        using var client = gateway.CreateGatewayClient(UserKey);

        var calls = Enumerable.Range(0, 200).Select(_ => client.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct)).ToList();

        // Every call the user's quota could not cover is refused at once; the 50 that reserved wait at the upstream.
        Assert.All(await QuotaLedgerTests.TakeRefusalsAsync(calls, 150), static text => Assert.Contains("user who owns this API key", text, StringComparison.Ordinal));

        // Reservations are made in groups, so the 50 that passed may complete together with the refusals: let them arrive.
        await upstream.WaitForRequestsAsync(50);
        Assert.Equal(50, upstream.Requests.Count);
        Assert.Equal(0, (await UserAsync(gateway, userId)).Quota);
        release.SetResult();
        Assert.All(await Task.WhenAll(calls), static r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var logs = await gateway.WaitForLogsAsync(50);
        Assert.Equal(50, logs.Count);
        Assert.All(logs, l => Assert.Equal((UsageLogType.Consume, 16L, userId), (l.Type, l.Quota, l.UserId)));
        var user = await UserAsync(gateway, userId);
        Assert.True(user.Quota >= 0);
        Assert.Equal(funded - user.Quota, logs.Sum(static l => l.Quota));
        Assert.Equal((logs.Sum(static l => l.Quota), 50L), (user.UsedQuota, user.RequestCount));

        // The unlimited key's counters record the same spend.
        var token = await TokenAsync(gateway, tokenId);
        Assert.Equal((-logs.Sum(static l => l.Quota), logs.Sum(static l => l.Quota)), (token.RemainQuota, token.UsedQuota));
    }

    [Theory]
    [MemberData(nameof(QuotaLedgerTests.Providers), MemberType = typeof(QuotaLedgerTests))]
    public async Task UpstreamFailure_ReturnsTheReservationToTheUserAndTheKey(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"error":{"message":"down"}}""", 503));
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]), database.Settings));
        gateway.Start();
        var (userId, tokenId) = await AddUserKeyAsync(gateway, userQuota: 100_000, unlimited: false, remainQuota: 50_000);
        using var client = gateway.CreateGatewayClient(UserKey);

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal((UsageLogType.Error, 0L), (log.Type, log.Quota));
        var user = await UserAsync(gateway, userId);
        Assert.Equal((100_000L, 0L, 0L), (user.Quota, user.UsedQuota, user.RequestCount));
        var token = await TokenAsync(gateway, tokenId);
        Assert.Equal((50_000L, 0L), (token.RemainQuota, token.UsedQuota));
    }

    [Theory]
    [MemberData(nameof(QuotaLedgerTests.Providers), MemberType = typeof(QuotaLedgerTests))]
    public async Task FullQueue_DroppedRows_SettleTheUsersReservationExactlyOnce(string provider)
    {
        const int requests = 30;
        await using var database = await TestDatabase.CreateAsync(provider);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        await using var gateway = new GatewayFactory(
            Settings.Merge(
                Settings.FlatPrice("gpt-4o"),
                Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
                new() { ["LlmRelay:UsageLogQueueCapacity"] = "2", ["LlmRelay:UsageLogQueueFullMode"] = "Drop" },
                database.Settings),
            services => HeldUsageLogStore.Install(services, release.Task));
        gateway.Start();
        var (userId, _) = await AddUserKeyAsync(gateway, userQuota: 1_000_000);
        using var client = gateway.CreateGatewayClient(UserKey);
        var queue = gateway.Services.GetRequiredService<UsageLogQueue>();

        var responses = await Task.WhenAll(Enumerable.Range(0, requests).Select(_ => client.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct)))
            .WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.All(responses, static r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.True(queue.Dropped > 0);
        Assert.True((await UserAsync(gateway, userId)).Quota < 1_000_000 - (requests * 16)); // every call still holds its reservation
        release.SetResult();

        // Each request charged 16, whether its row was stored or dropped; every reservation came back once.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await UserAsync(gateway, userId)).RequestCount < requests || queue.PendingSettlements > 0 || queue.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the usage-log writer.");
            await Task.Delay(50, Ct);
        }

        var user = await UserAsync(gateway, userId);
        Assert.Equal((1_000_000L - (requests * 16), requests * 16L, (long)requests), (user.Quota, user.UsedQuota, user.RequestCount));
    }

    [Fact]
    public async Task OnlyKeysWithACapOrAUser_ReserveBeforeTheCall_AnUnlimitedKeyWithoutAUserMakesNoDatabaseCall()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        var reservations = new System.Runtime.CompilerServices.StrongBox<int>();
        await using var gateway = new GatewayFactory(
            Settings.Merge(Settings.Token(unlimited: true), Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])),
            services => CountingTokenStore.Install(services, reservations));
        gateway.Start();
        await AddUserKeyAsync(gateway, userQuota: 1_000_000);

        foreach (var (key, expected) in new[] { (Settings.Key, 0), (UserKey, 3) })
        {
            using var client = gateway.CreateGatewayClient(key);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct)).StatusCode);
            }

            Assert.Equal(expected, Interlocked.Exchange(ref reservations.Value, 0));
        }
    }

    /// <summary>Adds a user with <paramref name="userQuota"/> and a key <see cref="UserKey"/> of theirs, straight into the gateway's stores.</summary>
    internal static async Task<(long UserId, long TokenId)> AddUserKeyAsync(GatewayFactory gateway, long userQuota, bool unlimited = true, long remainQuota = 0)
    {
        using var scope = gateway.Services.CreateScope();
        var user = new RelayUser { Username = $"wallet-{Guid.NewGuid():N}"[..20], Quota = userQuota, CreatedAt = DateTimeOffset.UtcNow };
        await scope.ServiceProvider.GetRequiredService<IUserStore>().AddAsync(user, Ct);
        var token = new ApiToken
        {
            UserId = user.Id,
            Name = "user-token",
            KeyHash = ApiKeys.Hash(UserKey),
            KeyHint = ApiKeys.Mask(UserKey),
            UnlimitedQuota = unlimited,
            RemainQuota = remainQuota,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await scope.ServiceProvider.GetRequiredService<ITokenStore>().AddAsync(token, Ct);
        return (user.Id, token.Id);
    }

    internal static async Task<RelayUser> UserAsync(GatewayFactory gateway, long userId)
    {
        using var scope = gateway.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<IUserStore>().FindAsync(userId, Ct))!;
    }

    private static async Task<ApiToken> TokenAsync(GatewayFactory gateway, long tokenId)
    {
        using var scope = gateway.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<ITokenStore>().FindAsync(tokenId, Ct))!;
    }
}
