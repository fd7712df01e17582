using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Circuit breaking, concurrency limits and timeouts, over real HTTP.</summary>
public sealed class ResilienceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat(bool stream = false) =>
        new($$"""{"model":"gpt-4o","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task Breaker_OpensAfterTheThreshold_SkipsTheChannel_ThenHalfOpensWithOneProbe()
    {
        var primaryHealthy = false;
        await using var primary = await MockUpstream.StartAsync((context, request) => primaryHealthy
            ? MockUpstream.Json(WireSamples.ChatResponse)(context, request)
            : MockUpstream.Json("""{"error":{"message":"boom","type":"server_error"}}""", 500)(context, request));
        await using var backup = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = new GatewayFactory(
            Settings.Merge(
                Settings.Token(),
                Settings.Channel(0, primary.BaseUrl, ["gpt-4o"], name: "primary", priority: 10),
                Settings.Channel(1, backup.BaseUrl, ["gpt-4o"], name: "backup"),
                new() { ["LlmRelay:Health:MinimumThroughput"] = "3", ["LlmRelay:Health:BreakDuration"] = "00:00:30" }),
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        // One bad response, or two, never open the breaker: the primary keeps being tried.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
            Assert.Equal(i + 1, primary.Requests.Count);
        }

        // Three failures out of three calls: open. The primary is skipped without a call.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        Assert.Equal(3, primary.Requests.Count);
        Assert.Equal(4, backup.Requests.Count);

        // After the break: half-open, exactly one probe; it fails, so the breaker opens again.
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        Assert.Equal(4, primary.Requests.Count);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        Assert.Equal(4, primary.Requests.Count);

        // The upstream recovers; the next probe succeeds and closes the breaker.
        primaryHealthy = true;
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        Assert.Equal(6, primary.Requests.Count);
        Assert.Equal(6, backup.Requests.Count);
    }

    [Fact]
    public async Task InvalidUpstreamKey_DisablesTheKeyAtOnce_AndTrafficMovesOn()
    {
        await using var broken = await MockUpstream.StartAsync(MockUpstream.Json("""{"error":{"message":"Incorrect API key provided: sk-abc***xyz.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""", 401));
        await using var backup = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, broken.BaseUrl, ["gpt-4o"], name: "broken", priority: 10),
            Settings.Channel(1, backup.BaseUrl, ["gpt-4o"], name: "backup")));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        }

        Assert.Single(broken.Requests);
        var health = gateway.Services.GetRequiredService<LlmRelay.Health.ChannelHealthTracker>();
        var id = (await gateway.WaitForLogsAsync(3)).First(l => l.ChannelName == "backup").ChannelId - 1;
        Assert.True(health.IsDisabled(id, 0));
        Assert.Contains("401", health.DisabledReason(id, 0), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FullQueue_Returns429WithRetryAfter_InTheCallersShape()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await MockUpstream.StartAsync(async (context, request) =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await MockUpstream.Json(WireSamples.ChatResponse)(context, request);
        });
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
            new() { ["LlmRelay:Concurrency:MaxInFlight"] = "1", ["LlmRelay:Concurrency:QueueLimit"] = "0" }));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var first = client.PostAsync("/v1/chat/completions", Chat(), Ct);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        using var anthropicRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        using var second = await client.SendAsync(anthropicRequest, Ct);
        release.SetResult();

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
        Assert.Contains("\"type\":\"rate_limit_error\"", await second.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Single(upstream.Requests);
        Assert.Equal(0, gateway.Services.GetRequiredService<LlmRelay.Concurrency.RelayConcurrency>().Status().InFlight);
    }

    [Fact]
    public async Task SlowUpstreamHeaders_HitTheFirstByteTimeout_504()
    {
        var never = new TaskCompletionSource();
        await using var upstream = await MockUpstream.StartAsync(SlowUpstreams.HeldHeaders(never.Task));
        var time = new ArmedTimeProvider();
        await using var gateway = new GatewayFactory(
            Settings.Merge(
                Settings.Token(),
                Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
                new() { ["LlmRelay:FirstByteTimeout"] = "00:00:01", ["LlmRelay:MaxAttempts"] = "1" }),
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var call = client.PostAsync("/v1/chat/completions", Chat(), Ct);
        await upstream.WaitForRequestsAsync(1);
        await time.FireAsync(TimeSpan.FromSeconds(1), Ct);
        using var response = await call;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        await upstream.RequestAborted.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Fact]
    public async Task StalledStream_HitsTheIdleTimeout_EndsWithAnErrorEvent_WhileAProducingStreamIsNeverCut()
    {
        var firstEvent = SlowUpstreams.FirstEvent;
        var idle = TimeSpan.FromSeconds(1);

        // The steady stream produces for 10 × 0.75 s (fake) in total, longer than the idle timeout, but is never silent for 1 s.
        var next = new SemaphoreSlim(0);
        await using var upstream = await MockUpstream.StartAsync(SlowUpstreams.StallingOrSteadyStream(10, next));
        var time = new ArmedTimeProvider();
        await using var gateway = new GatewayFactory(
            Settings.Merge(
                Settings.Token(),
                Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
                new() { ["LlmRelay:IdleTimeout"] = "00:00:01", ["LlmRelay:FirstByteTimeout"] = "00:00:30" }),
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var stalledCall = client.PostAsync("/v1/chat/completions", Chat(stream: true), Ct);
        await time.FireAsync(idle, Ct);
        var stalled = await (await stalledCall).Content.ReadAsStringAsync(Ct);
        Assert.StartsWith(firstEvent, stalled, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"upstream_interrupted\"", stalled, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", stalled, StringComparison.Ordinal);
        await upstream.RequestAborted.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var steadyCall = client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"steady"}]}""", Encoding.UTF8, "application/json"), Ct);
        var steady = await SlowUpstreams.ReadSteadyAsync(steadyCall, time, next, 10, idle, TimeSpan.FromSeconds(0.75), Ct);
        Assert.DoesNotContain("upstream_interrupted", steady, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", steady, StringComparison.Ordinal);
    }
}
