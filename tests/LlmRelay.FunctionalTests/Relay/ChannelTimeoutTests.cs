using System.Net;
using System.Net.Sockets;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Per-channel connect, first-byte and idle timeouts over real HTTP, against held mock upstreams, on a fake clock.</summary>
public sealed class ChannelTimeoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat(bool stream = false, string text = "hi") =>
        new($$"""{"model":"gpt-4o","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"{{text}}"}]}""", Encoding.UTF8, "application/json");

    private static Dictionary<string, string?> Timeouts(int channel, string? connect = null, string? firstByte = null, string? idle = null)
    {
        var settings = new Dictionary<string, string?>();
        if (connect is not null)
        {
            settings[$"LlmRelay:Channels:{channel}:ConnectTimeout"] = connect;
        }

        if (firstByte is not null)
        {
            settings[$"LlmRelay:Channels:{channel}:FirstByteTimeout"] = firstByte;
        }

        if (idle is not null)
        {
            settings[$"LlmRelay:Channels:{channel}:IdleTimeout"] = idle;
        }

        return settings;
    }

    [Fact]
    public async Task ChannelFirstByteTimeout_BeatsALargerGlobalOne_AndTheRequestFailsOverToTheNextChannel()
    {
        var never = new TaskCompletionSource();
        await using var slow = await MockUpstream.StartAsync(SlowUpstreams.HeldHeaders(never.Task));
        await AssertFailsOverAsync(slow.BaseUrl, Timeouts(0, firstByte: "00:00:01.300"), new() { ["LlmRelay:FirstByteTimeout"] = "00:00:30" }, async time =>
        {
            await slow.WaitForRequestsAsync(1);
            await time.FireAsync(TimeSpan.FromSeconds(1.3), Ct);
        });

        Assert.Single(slow.Requests);
        await slow.RequestAborted.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Fact]
    public async Task ChannelWithoutOverrides_UsesTheGlobalFirstByteTimeout_WhileALargerChannelValueWaitsLonger()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await MockUpstream.StartAsync(SlowUpstreams.HeldHeaders(release.Task));
        var time = new ArmedTimeProvider();
        await using var gateway = new GatewayFactory(
            Settings.Merge(
                Settings.Token(),
                Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"], name: "global"),
                Settings.Channel(1, upstream.BaseUrl, ["gpt-4o-patient"], name: "patient"),
                Timeouts(1, firstByte: "00:00:10"),
                new() { ["LlmRelay:FirstByteTimeout"] = "00:00:00.400", ["LlmRelay:MaxAttempts"] = "1" }),
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var timingOut = client.PostAsync("/v1/chat/completions", Chat(), Ct);
        await upstream.WaitForRequestsAsync(1);
        await time.FireAsync(TimeSpan.FromMilliseconds(400), Ct);
        using var timedOut = await timingOut;
        Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);

        // Past the global value (and the first call's), short of the channel's own: still waiting, then answered.
        var waiting = client.PostAsync(
            "/v1/chat/completions",
            new StringContent("""{"model":"gpt-4o-patient","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            Ct);
        await upstream.WaitForRequestsAsync(2);
        await time.WaitArmedAsync(TimeSpan.FromSeconds(10), Ct);
        time.Advance(TimeSpan.FromSeconds(9));
        release.SetResult();
        using var patient = await waiting;
        Assert.Equal(HttpStatusCode.OK, patient.StatusCode);
    }

    [Fact]
    public async Task ChannelIdleTimeout_CutsAStalledStream_WhileAProducingStreamLongerThanItIsNeverCut()
    {
        var firstEvent = SlowUpstreams.FirstEvent;
        var idle = TimeSpan.FromSeconds(2);

        // The stalled stream stays silent until the gateway gives up: after the channel's 2 s, not the global 30 s. The steady
        // one runs 30 × 1.5 s (fake), longer than the idle timeout, but is never silent for 2 s.
        var next = new SemaphoreSlim(0);
        await using var upstream = await MockUpstream.StartAsync(SlowUpstreams.StallingOrSteadyStream(30, next));
        var time = new ArmedTimeProvider();
        await using var gateway = new GatewayFactory(
            Settings.Merge(
                Settings.Token(),
                Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
                Timeouts(0, idle: "00:00:02"),
                new() { ["LlmRelay:IdleTimeout"] = "00:00:30" }),
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var stalledCall = client.PostAsync("/v1/chat/completions", Chat(stream: true), Ct);
        await time.FireAsync(idle, Ct);
        var stalled = await (await stalledCall).Content.ReadAsStringAsync(Ct);
        Assert.StartsWith(firstEvent, stalled, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"upstream_interrupted\"", stalled, StringComparison.Ordinal);
        await upstream.RequestAborted.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var steady = await SlowUpstreams.ReadSteadyAsync(client.PostAsync("/v1/chat/completions", Chat(stream: true, text: "steady"), Ct), time, next, 30, idle, TimeSpan.FromSeconds(1.5), Ct);
        Assert.DoesNotContain("upstream_interrupted", steady, StringComparison.Ordinal);
        Assert.Equal(30, CountOccurrences(steady, firstEvent));
        Assert.EndsWith("data: [DONE]\n\n", steady, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChannelConnectTimeout_GivesUpOnAnUnansweredConnect_AndFailsOver()
    {
        // A listener whose accept queue is full: Linux drops further SYNs, so a connect hangs rather than fails.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            var hangs = false;
            for (var i = 0; i < 8 && !hangs; i++)
            {
                hangs = await ConnectHangsAsync(endpoint, fillers);
            }

            if (!hangs)
            {
                Assert.Skip("This system's TCP stack refuses or accepts connects to a full listener instead of leaving them unanswered.");
            }

            await AssertFailsOverAsync(
                $"http://127.0.0.1:{endpoint.Port}",
                Timeouts(0, connect: "00:00:01.300"),
                new() { ["LlmRelay:ConnectTimeout"] = "00:00:30", ["LlmRelay:FirstByteTimeout"] = "00:00:30" },
                time => time.FireAsync(TimeSpan.FromSeconds(1.3), Ct));
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    [Fact]
    public async Task ManagementApi_SetsReadsAndClearsAChannelsTimeouts()
    {
        await using var h = await ManagementHarness.StartAsync();
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new
        {
            mode = "single",
            channel = new { name = "timed", type = "openai", base_url = "http://127.0.0.1:9", key = "sk-upstream-one", models = new[] { "gpt-4o" }, connect_timeout_ms = 2500, first_byte_timeout_ms = 60000, idle_timeout_ms = 15000 },
        });
        Assert.True(created.Success, created.Text);
        var id = created.Data![0]!["id"]!.GetValue<long>();

        var read = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}");
        Assert.Equal(2500, read.Data!["connect_timeout_ms"]!.GetValue<long>());
        Assert.Equal(60000, read.Data!["first_byte_timeout_ms"]!.GetValue<long>());
        Assert.Equal(15000, read.Data!["idle_timeout_ms"]!.GetValue<long>());

        // Absent keeps, null (or 0) clears back to the global option.
        var updated = await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", rawBody: $$"""{"id":{{id}},"first_byte_timeout_ms":null,"idle_timeout_ms":0}""");
        Assert.True(updated.Success, updated.Text);
        read = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}");
        Assert.Equal(2500, read.Data!["connect_timeout_ms"]!.GetValue<long>());
        Assert.Null(read.Data!["first_byte_timeout_ms"]);
        Assert.Null(read.Data!["idle_timeout_ms"]);

        var bad = await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", rawBody: $$"""{"id":{{id}},"idle_timeout_ms":-5}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("idle_timeout_ms", bad.Message, StringComparison.Ordinal);
    }

    // Channel 0 (priority 10) at primaryUrl with its own timeouts, channel 1 a healthy backup: the backup must answer once
    // `expire` has moved the gateway's fake clock past the channel's timeout. With the global timeouts (30 s) in force the
    // primary's call would still be waiting, and `expire` would find no timer armed with the channel's value.
    private static async Task AssertFailsOverAsync(string primaryUrl, Dictionary<string, string?> channelTimeouts, Dictionary<string, string?> globalTimeouts, Func<ArmedTimeProvider, Task> expire)
    {
        await using var backup = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        var time = new ArmedTimeProvider();
        await using var gateway = new GatewayFactory(
            Settings.Merge(
                Settings.Token(),
                Settings.Channel(0, primaryUrl, ["gpt-4o"], name: "primary", priority: 10),
                channelTimeouts,
                Settings.Channel(1, backup.BaseUrl, ["gpt-4o"], name: "backup"),
                globalTimeouts),
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var call = client.PostAsync("/v1/chat/completions", Chat(), Ct);
        await expire(time);
        using var response = await call;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(backup.Requests);
    }

    // Opens one more connection to the listener; returns true when it did not complete within 200 ms.
    private static async Task<bool> ConnectHangsAsync(IPEndPoint endpoint, List<Socket> fillers)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        fillers.Add(socket);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try
        {
            await socket.ConnectAsync(endpoint, cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var index = text.IndexOf(value, StringComparison.Ordinal); index >= 0; index = text.IndexOf(value, index + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
