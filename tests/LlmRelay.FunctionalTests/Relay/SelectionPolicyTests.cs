using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Selection policies chosen in configuration, over real HTTP.</summary>
public sealed class SelectionPolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat() =>
        new("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task LeastBusy_SendsNewCallsAwayFromAChannelHoldingACall()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = 0;
        await using var first = await MockUpstream.StartAsync(async (context, request) =>
        {
            // The first call it gets is held until the test releases it; later ones answer at once.
            if (Interlocked.Increment(ref holding) == 1)
            {
                await release.Task.WaitAsync(context.RequestAborted);
            }

            await MockUpstream.Json(WireSamples.ChatResponse)(context, request);
        });
        await using var second = await MockUpstream.StartAsync(async (context, request) =>
        {
            if (Interlocked.Increment(ref holding) == 1)
            {
                await release.Task.WaitAsync(context.RequestAborted);
            }

            await MockUpstream.Json(WireSamples.ChatResponse)(context, request);
        });
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, first.BaseUrl, ["gpt-4o"], name: "first"),
            Settings.Channel(1, second.BaseUrl, ["gpt-4o"], name: "second"),
            new() { ["LlmRelay:Selection:Policy"] = "least-busy" }));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var held = client.PostAsync("/v1/chat/completions", Chat(), Ct);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (first.Requests.Count + second.Requests.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }

        var busy = first.Requests.Count == 1 ? first : second;
        var idle = ReferenceEquals(busy, first) ? second : first;

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        }

        Assert.Single(busy.Requests);
        Assert.Equal(10, idle.Requests.Count);

        release.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await held).StatusCode);
    }

    [Fact]
    public async Task RoundRobin_ForOneGroup_AlternatesChannels()
    {
        await using var first = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var second = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, first.BaseUrl, ["gpt-4o"], name: "first"),
            Settings.Channel(1, second.BaseUrl, ["gpt-4o"], name: "second"),
            new() { ["LlmRelay:Selection:Groups:default"] = "round-robin" }));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
            Assert.Equal((i / 2) + 1, Math.Max(first.Requests.Count, second.Requests.Count));
        }

        Assert.Equal(4, first.Requests.Count);
        Assert.Equal(4, second.Requests.Count);
    }

    [Fact]
    public async Task GroupSelectionPolicies_SetThroughTheManagementApi_ApplyToTheNextCall_AndSurviveARestart()
    {
        await using var first = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var second = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        var database = Path.Combine(Path.GetTempPath(), $"llmrelay-selection-{Guid.NewGuid():N}.db");
        var settings = Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, first.BaseUrl, ["gpt-4o"], name: "first"),
            Settings.Channel(1, second.BaseUrl, ["gpt-4o"], name: "second"),
            new() { ["ConnectionStrings:LlmRelay"] = $"Data Source={database}" });
        try
        {
            await using (var h = await Management.ManagementHarness.StartAsync(settings))
            {
                using var relay = h.Gateway.CreateGatewayClient(Settings.Key);

                // Names are checked against the registered policies: nothing is stored for an unknown one.
                var refused = await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "GroupSelectionPolicies", value = """{"default":"fastest"}""" });
                Assert.False(refused.Success);
                Assert.Contains("round-robin", refused.Text, StringComparison.Ordinal);

                var set = await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "GroupSelectionPolicies", value = """{"*":"round-robin"}""" });
                Assert.True(set.Success, set.Text);
                await AssertAlternatesAsync(relay, first, second);
            }

            // A restart on the same database picks channels by the stored policy from the first call.
            first.Requests.Clear();
            second.Requests.Clear();
            await using var restarted = new GatewayFactory(settings);
            restarted.Start();
            using var client = restarted.CreateGatewayClient(Settings.Key);
            await AssertAlternatesAsync(client, first, second);
        }
        finally
        {
            foreach (var suffix in (string[])["", "-wal", "-shm"])
            {
                File.Delete(database + suffix);
            }
        }
    }

    private static async Task AssertAlternatesAsync(HttpClient client, MockUpstream first, MockUpstream second)
    {
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
            Assert.Equal((i / 2) + 1, Math.Max(first.Requests.Count, second.Requests.Count));
        }

        Assert.Equal(3, first.Requests.Count);
        Assert.Equal(3, second.Requests.Count);
    }
}
