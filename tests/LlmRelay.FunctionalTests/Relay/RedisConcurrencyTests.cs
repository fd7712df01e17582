using System.Net;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Concurrency slots and the wait queue counted across gateway instances that share one Redis (issue #18).</summary>
/// <remarks>Needs a Redis server: <c>export LLMRELAY_TEST_REDIS=127.0.0.1:6379</c>; skipped without one, except in CI.</remarks>
public sealed class RedisConcurrencyTests : IAsyncDisposable
{
    private const string KeyPattern = "{llmrelay-cc}:*";
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"llmrelay-test-{Guid.NewGuid():N}.db");
    private ConnectionMultiplexer? _redis;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoGateways_LimitOfTwoPerKey_SixCallsOverBoth_AtMostTwoReachTheUpstreamAtOnce()
    {
        await using var pair = await StartPairAsync(queueLimit: 100);
        var (upstream, a, b) = (pair.Upstream, pair.A, pair.B);

        var calls = new List<Task<HttpStatusCode>>();
        foreach (var client in (HttpClient[])[a, b, a, b, a, b])
        {
            calls.Add(ChatAsync(client));
        }

        await upstream.Mock.WaitForRequestsAsync(2);

        // Each gateway alone would admit two: give the other two (real) time to arrive if they were admitted.
        await Task.Delay(TimeSpan.FromMilliseconds(750), Ct);
        Assert.Equal(2, upstream.Mock.Requests.Count);
        upstream.Release.SetResult();

        var statuses = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.All(statuses, static s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(6, upstream.Mock.Requests.Count);
        Assert.Equal(2, upstream.MaxInFlight);
        Assert.Equal(0, await CountSlotMembersAsync());
    }

    [Fact]
    public async Task TwoGateways_QueueLimitOfOne_IsCountedAcrossBoth_FurtherCallsGet429WithRetryAfter()
    {
        await using var pair = await StartPairAsync(queueLimit: 1);
        var (upstream, a, b) = (pair.Upstream, pair.A, pair.B);

        var held = new[] { ChatAsync(a), ChatAsync(b) };
        await upstream.Mock.WaitForRequestsAsync(2);
        var queued = ChatAsync(a);
        await WaitUntilAsync(() => pair.First.Services.GetRequiredService<LlmRelay.Concurrency.RelayConcurrency>().Status().Queued == 1);

        using var refused = await b.SendAsync(CallerRequest.Build("openai", "openai-model", stream: false, Settings.Key), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("concurrency_limit", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.False(queued.IsCompleted);
        upstream.Release.SetResult();
        Assert.All(await Task.WhenAll([.. held, queued]).WaitAsync(TimeSpan.FromSeconds(30), Ct), static s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(3, upstream.Mock.Requests.Count);
        Assert.Equal(2, upstream.MaxInFlight);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await DeleteSlotKeysAsync();
            await _redis.DisposeAsync();
        }

        foreach (var suffix in (string[])["", "-wal", "-shm"])
        {
            File.Delete(_database + suffix);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 10 s.");
            await Task.Delay(20, Ct);
        }
    }

    private static async Task<HttpStatusCode> ChatAsync(HttpClient client)
    {
        using var response = await client.SendAsync(CallerRequest.Build("openai", "openai-model", stream: false, Settings.Key), Ct);
        return response.StatusCode;
    }

    private async Task<GatewayPair> StartPairAsync(int queueLimit)
    {
        var upstream = await HeldUpstream.StartAsync();
        var first = await StartGatewayAsync(upstream.Mock.BaseUrl, queueLimit);
        var second = await StartGatewayAsync(upstream.Mock.BaseUrl, queueLimit);
        return new GatewayPair(upstream, first, second, first.CreateGatewayClient(Settings.Key), second.CreateGatewayClient(Settings.Key));
    }

    private async Task<GatewayFactory> StartGatewayAsync(string upstreamUrl, int queueLimit)
    {
        var redis = await ConnectAsync();
        var gateway = new GatewayFactory(Settings.Merge(
            FamilyUpstream.Channels(upstreamUrl),
            new()
            {
                ["ConnectionStrings:LlmRelay"] = $"Data Source={_database}",
                ["ConnectionStrings:Redis"] = redis.Configuration,
                ["LlmRelay:Concurrency:MaxInFlightPerKey"] = "2",
                ["LlmRelay:Concurrency:QueueLimit"] = queueLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["LlmRelay:MaxAttempts"] = "1",
            }));
        gateway.Start();
        return gateway;
    }

    private async Task<long> CountSlotMembersAsync()
    {
        long count = 0;
        foreach (var server in _redis!.GetServers())
        {
            await foreach (var key in server.KeysAsync(pattern: KeyPattern))
            {
                count += await _redis.GetDatabase().SortedSetLengthAsync(key);
            }
        }

        return count;
    }

    private async Task DeleteSlotKeysAsync()
    {
        foreach (var server in _redis!.GetServers())
        {
            await foreach (var key in server.KeysAsync(pattern: KeyPattern))
            {
                await _redis.GetDatabase().KeyDeleteAsync(key);
            }
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        if (_redis is not null)
        {
            return _redis;
        }

        var configuration = Environment.GetEnvironmentVariable("LLMRELAY_TEST_REDIS");
        if (string.IsNullOrEmpty(configuration))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "CI must provide LLMRELAY_TEST_REDIS.");
            Assert.Skip("Redis tests need LLMRELAY_TEST_REDIS (for example: redis-server --port 6379 --daemonize yes; export LLMRELAY_TEST_REDIS=127.0.0.1:6379).");
        }

        _redis = await ConnectionMultiplexer.ConnectAsync(configuration + ",allowAdmin=true");

        // The gateways' slot keys are not prefixed per test: start from none (tests of this class run one at a time).
        await DeleteSlotKeysAsync();
        return _redis;
    }

    /// <summary>Two gateways on one Redis and one database, a client of each, and the held upstream behind both.</summary>
    private sealed record GatewayPair(HeldUpstream Upstream, GatewayFactory First, GatewayFactory Second, HttpClient A, HttpClient B) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            A.Dispose();
            B.Dispose();
            await Upstream.DisposeAsync();
            await First.DisposeAsync();
            await Second.DisposeAsync();
        }
    }

    /// <summary>An upstream that holds every request until <see cref="Release"/> completes, counting how many it holds at once.</summary>
    private sealed class HeldUpstream : IAsyncDisposable
    {
        private int _inFlight;
        private int _maxInFlight;

        private HeldUpstream()
        {
        }

        public MockUpstream Mock { get; private set; } = null!;

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public static async Task<HeldUpstream> StartAsync()
        {
            var upstream = new HeldUpstream();
            upstream.Mock = await MockUpstream.StartAsync(upstream.HandleAsync);
            return upstream;
        }

        public async ValueTask DisposeAsync()
        {
            Release.TrySetResult();
            await Mock.DisposeAsync();
        }

        private async Task HandleAsync(HttpContext context, RecordedRequest request)
        {
            var now = Interlocked.Increment(ref _inFlight);
            int max;
            while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max)
            {
            }

            try
            {
                await Release.Task.WaitAsync(context.RequestAborted);
            }
            finally
            {
                // Before the answer: once the gateway has it, it may free the slot and let the next call in.
                Interlocked.Decrement(ref _inFlight);
            }

            await FamilyUpstream.Handler(context, request);
        }
    }
}
