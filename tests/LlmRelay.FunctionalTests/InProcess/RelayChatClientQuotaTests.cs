using LlmRelay.Client;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;
using LlmRelay.Pricing;
using LlmRelay.Tokenization;
using LlmRelay.Usage;
using Microsoft.Extensions.AI;

namespace LlmRelay.FunctionalTests.InProcess;

/// <summary>RelayChatClient called with a gateway key: the same reserve-then-settle ledger as the HTTP relay.</summary>
public sealed class RelayChatClientQuotaTests
{
    private const string Prompt = "count me";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(QuotaLedgerTests.Providers), MemberType = typeof(QuotaLedgerTests))]
    public async Task ConcurrentCalls_NeverOverdrawTheKey_RefusedCallsThrow_AndLoggedQuotaEqualsConsumed(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await MockUpstream.StartAsync(async (context, request) =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await MockUpstream.Json(FamilyUpstream.OpenAIJson)(context, request);
        });

        // The key holds exactly 50 reservations' worth of quota (the estimate of the prompt's text plus MaxOutputTokens).
        var reservation = QuotaCalculator.EstimateReservation(ITokenCounter.EstimateFromBytes(Prompt.Length), 10, new ModelPrice(), 1);
        var funded = 50 * reservation;
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: funded),
            Settings.FlatPrice("gpt-4o"),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
            database.Settings));
        gateway.Start();
        var client = gateway.Services.GetRelayChatClient(Settings.Key);

        var calls = Enumerable.Range(0, 200)
            .Select(_ => Task.Run(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, Prompt)], new ChatOptions { ModelId = "gpt-4o", MaxOutputTokens = 10 }, Ct), Ct))
            .ToList();

        // Every call that could not reserve is refused before reaching the upstream; the 50 that did wait there.
        var refused = 0;
        while (refused < 150)
        {
            var done = await Task.WhenAny(calls).WaitAsync(TimeSpan.FromSeconds(60), Ct);
            calls.Remove(done);
            var error = await Assert.ThrowsAsync<RelayChatClientException>(() => done);
            Assert.Equal(429, error.StatusCode);
            Assert.Equal("insufficient_quota", error.ErrorCode);
            refused++;
        }

        // Reservations are made in groups, so the 50 that passed may complete together with the refusals: let them arrive.
        await upstream.WaitForRequestsAsync(50);
        Assert.Equal(50, upstream.Requests.Count);
        Assert.Equal(0, await QuotaLedgerTests.RemainAsync(gateway));
        release.SetResult();
        var answers = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.All(answers, static a => Assert.Equal(16, a.Usage?.TotalTokenCount));

        // One row per call that reached the upstream, none for the refused ones; each settled its reservation.
        var logs = await gateway.WaitForLogsAsync(50);
        Assert.Equal(50, logs.Count);
        Assert.All(logs, static l => Assert.Equal((UsageLogType.Consume, 16L, "test-token"), (l.Type, l.Quota, l.TokenName)));
        var remain = await QuotaLedgerTests.RemainAsync(gateway); // Rows and their settlement are stored in one transaction.
        Assert.True(remain >= 0);
        Assert.Equal(funded - remain, logs.Sum(static l => l.Quota));
        Assert.Equal(logs.Sum(static l => l.Quota), await QuotaLedgerTests.UsedAsync(gateway));
    }

    [Fact]
    public async Task Streaming_ReservesThenSettlesToTheRealUsage_AndARefusedStreamThrowsBeforeReachingTheUpstream()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);

        // Enough for one reservation (no MaxOutputTokens: 1024 output tokens are reserved), not for two.
        var reservation = QuotaCalculator.EstimateReservation(ITokenCounter.EstimateFromBytes(2), 1024, new ModelPrice(), 1);
        var funded = reservation + 5;
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: funded),
            Settings.FlatPrice("gpt-4o"),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])));
        gateway.Start();
        var client = gateway.Services.GetRelayChatClient(Settings.Key);
        var options = new ChatOptions { ModelId = "gpt-4o" };

        var text = "";
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options, Ct))
        {
            text += update.Text;
        }

        Assert.Equal(FamilyUpstream.Text, text);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(16, log.Quota);
        Assert.Equal(funded - 16, await QuotaLedgerTests.RemainAsync(gateway));

        var error = await Assert.ThrowsAsync<RelayChatClientException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options, Ct))
            {
                Assert.Fail("A refused call yields nothing.");
            }
        });
        Assert.Equal((429, "insufficient_quota"), (error.StatusCode, error.ErrorCode));
        Assert.Single(upstream.Requests);
        Assert.Equal(funded - 16, await QuotaLedgerTests.RemainAsync(gateway));
        Assert.Equal(16, await QuotaLedgerTests.UsedAsync(gateway));
    }

    [Fact]
    public async Task UserQuota_BoundsAnUnlimitedKey_AndARefusedCallChargesNothing()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.FlatPrice("gpt-4o"), Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])));
        gateway.Start();

        // The key has no cap; its user can afford one reservation, not two.
        var reservation = QuotaCalculator.EstimateReservation(ITokenCounter.EstimateFromBytes(Prompt.Length), 10, new ModelPrice(), 1);
        var funded = reservation + 5;
        var (userId, _) = await UserQuotaTests.AddUserKeyAsync(gateway, userQuota: funded);
        var client = gateway.Services.GetRelayChatClient(UserQuotaTests.UserKey);
        var options = new ChatOptions { ModelId = "gpt-4o", MaxOutputTokens = 10 };

        var answer = await client.GetResponseAsync([new ChatMessage(ChatRole.User, Prompt)], options, Ct);
        Assert.Equal(16, answer.Usage?.TotalTokenCount);
        Assert.Equal(16, Assert.Single(await gateway.WaitForLogsAsync(1)).Quota);
        Assert.Equal(funded - 16, (await UserQuotaTests.UserAsync(gateway, userId)).Quota);

        var error = await Assert.ThrowsAsync<RelayChatClientException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, Prompt)], options, Ct));
        Assert.Equal((429, "insufficient_quota"), (error.StatusCode, error.ErrorCode));
        Assert.Contains("user who owns this API key", error.Message, StringComparison.Ordinal);
        Assert.Single(upstream.Requests);
        var user = await UserQuotaTests.UserAsync(gateway, userId);
        Assert.Equal((funded - 16, 16L, 1L), (user.Quota, user.UsedQuota, user.RequestCount));
    }

    [Fact]
    public async Task Images_AreCountedInTheReservation_AsTheHttpRelayCountsTheBodyItWouldSend()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        var image = new DataContent(new byte[30_000], "image/png");
        var link = new UriContent(new Uri("https://example.com/cat.png"), "image/png");

        // A base64 image weighs its data URI (bytes / 3, as in the HTTP relay's body estimate); a linked image at least the
        // token counter's flat per-image count.
        var imageReserve = QuotaCalculator.EstimateReservation(ITokenCounter.EstimateFromBytes(Prompt.Length + image.Uri.Length), 10, new ModelPrice(), 1);
        var linkReserve = QuotaCalculator.EstimateReservation(ITokenCounter.EstimateFromBytes(Prompt.Length + (3 * 765)), 10, new ModelPrice(), 1);
        var textReserve = QuotaCalculator.EstimateReservation(ITokenCounter.EstimateFromBytes(Prompt.Length), 10, new ModelPrice(), 1);
        Assert.True(textReserve < linkReserve && linkReserve < imageReserve);
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: linkReserve - 1),
            Settings.FlatPrice("gpt-4o"),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])));
        gateway.Start();
        var client = gateway.Services.GetRelayChatClient(Settings.Key);
        var options = new ChatOptions { ModelId = "gpt-4o", MaxOutputTokens = 10 };

        foreach (var (content, reserve) in new (AIContent, long)[] { (image, imageReserve), (link, linkReserve) })
        {
            var error = await Assert.ThrowsAsync<RelayChatClientException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent(Prompt), content])], options, Ct));
            Assert.Equal(429, error.StatusCode);
            Assert.Contains($"(up to {reserve} quota)", error.Message, StringComparison.Ordinal);
        }

        Assert.Empty(upstream.Requests);
        Assert.Equal(linkReserve - 1, await QuotaLedgerTests.RemainAsync(gateway));

        // The same text without the image fits.
        await client.GetResponseAsync([new ChatMessage(ChatRole.User, Prompt)], options, Ct);
        Assert.Single(upstream.Requests);
    }
}
