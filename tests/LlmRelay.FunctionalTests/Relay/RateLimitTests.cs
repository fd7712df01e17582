using System.Net;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Requests and tokens per minute (issue #18): refused before anything is reserved or sent, in the caller's own shape, with Retry-After.</summary>
public sealed class RateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Callers => new() { "openai", "anthropic", "gemini" };

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task OverTheRequestLimit_Answers429InTheCallersShape_WithRetryAfter_NothingReservedSentOrLogged_AndTheNextMinuteIsServed(string caller)
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = RateLimitedGateway.Create(
            Settings.Merge(
                FamilyUpstream.Channels(upstream.BaseUrl),
                Settings.Token(unlimited: false, remainQuota: 1_000_000),
                new() { ["LlmRelay:RateLimits:Token:RequestsPerMinute"] = "2" }),
            clock);
        gateway.Start();
        using var client = gateway.CreateGatewayClient(null);
        var model = RateLimitedGateway.ModelOf(caller);

        for (var i = 0; i < 2; i++)
        {
            using var served = await client.SendAsync(CallerRequest.Build(caller, model, stream: false, Settings.Key), Ct);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        await gateway.WaitForLogsAsync(2);
        var remain = await QuotaLedgerTests.RemainAsync(gateway);
        clock.Advance(TimeSpan.FromSeconds(20));

        using var refused = await client.SendAsync(CallerRequest.Build(caller, model, stream: false, Settings.Key), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("40", refused.Headers.GetValues("Retry-After").Single());
        var (type, message) = CallerRequest.ReadError(caller, await refused.Content.ReadAsStringAsync(Ct), 429);
        Assert.Equal(caller == "gemini" ? "RESOURCE_EXHAUSTED" : "rate_limit_error", type);
        Assert.Contains("Rate limit reached for this API key", message, StringComparison.Ordinal);
        Assert.Equal(2, upstream.Requests.Count);
        Assert.Equal(remain, await QuotaLedgerTests.RemainAsync(gateway));

        clock.Advance(TimeSpan.FromSeconds(40));
        using var next = await client.SendAsync(CallerRequest.Build(caller, model, stream: false, Settings.Key), Ct);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(3, upstream.Requests.Count);

        // Three rows for three served calls: the refusal wrote none (as every refusal before a reservation).
        var logs = await gateway.WaitForLogsAsync(3);
        Assert.Equal(3, logs.Count);
        Assert.All(logs, static l => Assert.Equal(200, l.StatusCode));
    }

    [Fact]
    public async Task TokensPerMinute_CountsTheSettledTokensOfCompletedCalls_AndRefusesUntilTheyLeaveTheWindow()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = RateLimitedGateway.Create(
            Settings.Merge(FamilyUpstream.Channels(upstream.BaseUrl), new() { ["LlmRelay:RateLimits:Token:TokensPerMinute"] = "20" }),
            clock);
        gateway.Start();
        using var client = gateway.CreateGatewayClient(null);

        // Each answer reports 12 prompt and 4 completion tokens: 16 < 20 admits the second call, 32 refuses the third.
        using (var first = await client.SendAsync(CallerRequest.Build("openai", "openai-model", stream: true, Settings.Key), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            await first.Content.ReadAsStringAsync(Ct);
        }

        await gateway.WaitForLogsAsync(1);
        clock.Advance(TimeSpan.FromSeconds(30));
        using (var second = await client.SendAsync(CallerRequest.Build("openai", "openai-model", stream: false, Settings.Key), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        var logs = await gateway.WaitForLogsAsync(2);
        Assert.All(logs, static l => Assert.Equal(16, l.PromptTokens + l.CompletionTokens));

        using var refused = await client.SendAsync(CallerRequest.Build("openai", "openai-model", stream: false, Settings.Key), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

        // Once the first call's 16 tokens leave the window, 16 remain: below the limit.
        Assert.Equal("30", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal(2, upstream.Requests.Count);
        clock.Advance(TimeSpan.FromSeconds(30));
        using var served = await client.SendAsync(CallerRequest.Build("openai", "openai-model", stream: false, Settings.Key), Ct);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task RateLimitsOption_SetThroughTheManagementApi_LimitsAUserAcrossItsKeys_AndClearingItLiftsTheLimit()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var h = await ManagementHarness.StartAsync(Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]), userQuota: 10_000_000, configureServices: s => RateLimitedGateway.Use(s, clock));
        var keys = new List<string>();
        foreach (var name in (string[])["a", "b"])
        {
            var created = await h.User.SendAsync(HttpMethod.Post, "/api/token/", new { name, unlimited_quota = true });
            Assert.True(created.Success, created.Message);
            keys.Add(created.Data!["key"]!.GetValue<string>());
        }

        var refusedOption = await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "RateLimits", value = """{"User":{"RequestsPerMinute":-2}}""" });
        Assert.Equal(HttpStatusCode.BadRequest, refusedOption.Status);
        Assert.Contains("RateLimits:User:RequestsPerMinute must not be negative", refusedOption.Message, StringComparison.Ordinal);

        var saved = await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "RateLimits", value = """{"User":{"RequestsPerMinute":2}}""" });
        Assert.True(saved.Success, saved.Message);
        using var client = h.Gateway.CreateGatewayClient(null);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, keys[0]));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, keys[1]));

        using (var refused = await client.SendAsync(CallerRequest.Build("anthropic", "gpt-4o", stream: false, keys[0]), Ct))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            var (type, message) = CallerRequest.ReadError("anthropic", await refused.Content.ReadAsStringAsync(Ct), 429);
            Assert.Equal("rate_limit_error", type);
            Assert.Contains("its user", message, StringComparison.Ordinal);
            Assert.Equal("60", refused.Headers.GetValues("Retry-After").Single());
        }

        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "RateLimits", value = "{}" })).Success);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, keys[0]));
        Assert.Equal(3, upstream.Requests.Count);
    }

    private static async Task<HttpStatusCode> ChatAsync(HttpClient client, string key)
    {
        using var response = await client.SendAsync(CallerRequest.Build("openai", "gpt-4o", stream: false, key), Ct);
        return response.StatusCode;
    }
}
