using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Pricing;
using LlmRelay.Storage;
using LlmRelay.Tokenization;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>The quota ledger under concurrency and failure: reserve before the call, settle exactly once after it.</summary>
public sealed class QuotaLedgerTests
{
    private const string Body = """{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"count me"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ConcurrentRequests_NeverOverdrawTheKey_AndLoggedQuotaEqualsConsumed(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await MockUpstream.StartAsync(async (context, request) =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await MockUpstream.Json(FamilyUpstream.OpenAIJson)(context, request);
        });

        // The key holds exactly 50 reservations' worth of quota.
        var reservation = QuotaCalculator.EstimateReservation(ITokenCounter.EstimateFromBytes(Encoding.UTF8.GetByteCount(Body)), 10, new ModelPrice(), 1);
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: 50 * reservation),
            Settings.FlatPrice("gpt-4o"),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
            database.Settings));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var calls = Enumerable.Range(0, 200).Select(_ => client.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct)).ToList();

        // Every call that could not reserve is refused at once; the 50 that did wait at the upstream.
        await TakeRefusalsAsync(calls, 150);

        // Reservations are made in groups, so the 50 that passed may complete together with the refusals: let them arrive.
        await upstream.WaitForRequestsAsync(50);
        Assert.Equal(50, upstream.Requests.Count);
        Assert.Equal(0, await RemainAsync(gateway));
        release.SetResult();
        var succeeded = (await Task.WhenAll(calls)).Count(static r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(50, succeeded);

        var logs = await gateway.WaitForLogsAsync(50);
        Assert.All(logs, static l => Assert.Equal(16, l.Quota));
        var remain = await RemainAsync(gateway);
        Assert.True(remain >= 0);
        Assert.Equal((50 * reservation) - remain, logs.Sum(static l => l.Quota));
        Assert.Equal(logs.Sum(static l => l.Quota), await UsedAsync(gateway));
    }

    [Fact]
    public async Task UpstreamFailure_RefundsTheReservation_AndChargesNothing()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""{"error":{"message":"down"}}""", 503));
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: 100_000),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(UsageLogType.Error, log.Type);
        Assert.Equal(0, log.Quota);
        Assert.Equal(100_000, await RemainAsync(gateway));
        Assert.Equal(0, await UsedAsync(gateway));
    }

    [Fact]
    public async Task ExhaustedKey_IsRefusedInTheCallersShape_AndNothingReachesTheUpstream()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: 5),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(null);
        client.DefaultRequestHeaders.Add("x-api-key", Settings.Key);

        var response = await client.PostAsync("/v1/messages", new StringContent("""{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains("\"type\":\"error\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
        Assert.Equal(5, await RemainAsync(gateway));
    }

    [Theory]
    [InlineData("10.0.0.0/8", false)]
    [InlineData("127.0.0.0/8", true)]
    [InlineData("127.0.0.1", true)]
    public async Task IpAllowList_RefusesOtherAddresses_InTheCallersShape_AndChargesNothing(string allow, bool allowed)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: 100_000),
            new() { ["LlmRelay:Tokens:0:AllowIps:0"] = allow },
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(null);
        client.DefaultRequestHeaders.Add("x-goog-api-key", Settings.Key);

        var response = await client.PostAsync("/v1beta/models/gpt-4o:generateContent", new StringContent("""{"contents":[{"parts":[{"text":"hi"}]}]}""", Encoding.UTF8, "application/json"), Ct);

        if (allowed)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return;
        }

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("PERMISSION_DENIED", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
        Assert.Equal(100_000, await RemainAsync(gateway));
    }

    [Fact]
    public async Task StreamWithoutUsage_IsCountedAndMarkedEstimated()
    {
        // An upstream that ignores stream_options.include_usage.
        var noUsage = string.Concat(FamilyUpstream.OpenAIStream.Split("\n\n").Where(static e => !e.Contains("\"usage\":{", StringComparison.Ordinal)).Select(static e => e.Length > 0 ? e + "\n\n" : ""));
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Sse(noUsage));
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(unlimited: false, remainQuota: 100_000),
            Settings.FlatPrice("gpt-4o"),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var text = await (await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"count me please"}]}""", Encoding.UTF8, "application/json"), Ct)).Content.ReadAsStringAsync(Ct);

        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.InRange(log.PromptTokens, 5, 40);
        Assert.InRange(log.CompletionTokens, 1, 4);
        Assert.True(log.Quota > 0);
        Assert.Contains("\"usage\":\"estimated\"", log.Other.ToJson(), StringComparison.Ordinal);
        Assert.Equal(100_000 - log.Quota, await RemainAsync(gateway));
    }

    /// <summary>Waits for <paramref name="count"/> of <paramref name="calls"/> to be refused for quota (each removed from the list) and returns their bodies.</summary>
    internal static async Task<List<string>> TakeRefusalsAsync(List<Task<HttpResponseMessage>> calls, int count)
    {
        var bodies = new List<string>(count);
        while (bodies.Count < count)
        {
            var done = await Task.WhenAny(calls).WaitAsync(TimeSpan.FromSeconds(60), Ct);
            calls.Remove(done);
            var response = await done;
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)response.StatusCode}: {text}");
            Assert.Contains("insufficient_quota", text, StringComparison.Ordinal);
            bodies.Add(text);
        }

        return bodies;
    }

    internal static async Task<long> RemainAsync(GatewayFactory gateway)
    {
        using var scope = gateway.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<ITokenStore>().FindByKeyHashAsync(LlmRelay.Tokens.ApiKeys.Hash(Settings.Key)))!.RemainQuota;
    }

    internal static async Task<long> UsedAsync(GatewayFactory gateway)
    {
        using var scope = gateway.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<ITokenStore>().FindByKeyHashAsync(LlmRelay.Tokens.ApiKeys.Hash(Settings.Key)))!.UsedQuota;
    }
}
