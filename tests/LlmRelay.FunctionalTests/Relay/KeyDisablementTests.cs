using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;
using LlmRelay.Health;
using LlmRelay.Management;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Keys disabled by a definitive failure: stored, restored by a new gateway instance, shown and enabled by the management API, re-tested.</summary>
public sealed class KeyDisablementTests
{
    private const string InvalidKey = """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat() =>
        new("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");

    private static Func<Microsoft.AspNetCore.Http.HttpContext, RecordedRequest, Task> FailingUntil(Func<bool> healthy) => (context, request) => healthy()
        ? MockUpstream.Json(WireSamples.ChatResponse)(context, request)
        : MockUpstream.Json(InvalidKey, 401)(context, request);

    [Fact]
    public async Task Rejected401Key_IsStored_ANewInstanceStillSkipsIt_AndManagementEnableRestoresIt()
    {
        var healthy = false;
        await using var broken = await MockUpstream.StartAsync(FailingUntil(() => healthy));
        await using var backup = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        var database = Path.Combine(Path.GetTempPath(), $"llmrelay-keys-{Guid.NewGuid():N}.db");
        var settings = Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, broken.BaseUrl, ["gpt-4o"], name: "broken", priority: 10),
            Settings.Channel(1, backup.BaseUrl, ["gpt-4o"], name: "backup"),
            new() { ["ConnectionStrings:LlmRelay"] = $"Data Source={database}" });
        try
        {
            long channelId;
            await using (var first = new GatewayFactory(settings))
            {
                first.Start();
                using var client = first.CreateGatewayClient(Settings.Key);
                Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
                Assert.Single(broken.Requests);
                channelId = await ChannelIdAsync(first.Services, "broken");

                var stored = await WaitForRecordsAsync(first.Services, channelId, 1);
                Assert.Equal(ChannelKeyStatusRegistry.Fingerprint(Settings.UpstreamKey), stored[0].Fingerprint);
                Assert.Contains("401", stored[0].Reason, StringComparison.Ordinal);
                Assert.DoesNotContain(Settings.UpstreamKey, stored[0].KeyHint, StringComparison.Ordinal);
            }

            // A restart on the same database: the key stays out of rotation without a single call to it.
            await using var h = await ManagementHarness.StartAsync(settings);
            using var relay = h.Gateway.CreateGatewayClient(Settings.Key);
            Assert.Equal(HttpStatusCode.OK, (await relay.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
            Assert.Single(broken.Requests);
            Assert.True(h.Gateway.Services.GetRequiredService<ChannelHealthTracker>().IsDisabled(channelId, 0));

            var shown = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{channelId}");
            var disabled = Assert.Single(shown.Data!["auto_disabled_keys"]!.AsArray())!;
            Assert.Equal(0, disabled["index"]!.GetValue<int>());
            Assert.Contains("...", disabled["key"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains("401", disabled["reason"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.True(disabled["disabled_time"]!.GetValue<long>() > 0);
            Assert.DoesNotContain(Settings.UpstreamKey, shown.Text, StringComparison.Ordinal);

            var keys = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/multi_key/manage", new { channel_id = channelId, action = "get_key_status" });
            Assert.Equal(3, keys.Data![0]!["status"]!.GetValue<int>());

            // Enabling the channel enables its disabled keys: the next request goes to it again.
            healthy = true;
            var enabled = await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", new { id = channelId, status = 1 });
            Assert.True(enabled.Success, enabled.Text);
            Assert.Empty(enabled.Data!["auto_disabled_keys"]!.AsArray());
            Assert.Equal(HttpStatusCode.OK, (await relay.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
            Assert.Equal(2, broken.Requests.Count);
            await WaitForRecordsAsync(h.Gateway.Services, channelId, 0);
        }
        finally
        {
            foreach (var suffix in (string[])["", "-wal", "-shm"])
            {
                File.Delete(database + suffix);
            }
        }
    }

    [Fact]
    public async Task ManageKeys_EnableKey_ReenablesOnlyThatKey()
    {
        await using var upstream = await MockUpstream.StartAsync((context, request) => request.Headers["Authorization"].EndsWith("bad-key-0000000000", StringComparison.Ordinal)
            ? MockUpstream.Json(InvalidKey, 401)(context, request)
            : MockUpstream.Json(WireSamples.ChatResponse)(context, request));
        await using var h = await ManagementHarness.StartAsync(Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"], name: "pool", priority: 10, apiKey: "sk-bad-key-0000000000"),
            new() { ["LlmRelay:Channels:0:Keys:1"] = "sk-good-key-1111111111" },
            Settings.Channel(1, upstream.BaseUrl, ["gpt-4o"], name: "backup", apiKey: "sk-good-key-2222222222")));
        using var relay = h.Gateway.CreateGatewayClient(Settings.Key);
        var channelId = await ChannelIdAsync(h.Gateway.Services, "pool");
        var health = h.Gateway.Services.GetRequiredService<ChannelHealthTracker>();

        // Round-robin reaches the bad key within two requests; the request then fails over to the backup channel.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await relay.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        }

        Assert.True(health.IsDisabled(channelId, 0));
        Assert.False(health.IsDisabled(channelId, 1));

        var enabled = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/multi_key/manage", new { channel_id = channelId, action = "enable_key", key_index = 0 });
        Assert.True(enabled.Success, enabled.Text);
        Assert.False(health.IsDisabled(channelId, 0));
        await WaitForRecordsAsync(h.Gateway.Services, channelId, 0);
    }

    [Fact]
    public async Task Retest_KeepsARejectedKeyDisabled_ThenEnablesItOnceItsUpstreamAnswers()
    {
        var healthy = false;
        await using var broken = await MockUpstream.StartAsync(FailingUntil(() => healthy));
        await using var backup = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, broken.BaseUrl, ["gpt-4o"], name: "broken", priority: 10),
            Settings.Channel(1, backup.BaseUrl, ["gpt-4o"], name: "backup"),
            new() { ["LlmRelay:Health:RetestInterval"] = "00:00:00.200" }));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);
        var health = gateway.Services.GetRequiredService<ChannelHealthTracker>();
        var channelId = await ChannelIdAsync(gateway.Services, "broken");

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        Assert.True(health.IsDisabled(channelId, 0));

        // Re-tests reach the upstream, which still says 401: the key stays disabled.
        await WaitUntilAsync(() => broken.Requests.Count >= 3);
        Assert.True(health.IsDisabled(channelId, 0));
        var probe = broken.Requests.Last();
        Assert.Equal("/v1/chat/completions", probe.PathAndQuery);
        Assert.Contains("\"max_tokens\":1", probe.BodyText, StringComparison.Ordinal);

        healthy = true;
        await WaitUntilAsync(() => !health.IsDisabled(channelId, 0));
        var before = broken.Requests.Count;
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Chat(), Ct)).StatusCode);
        Assert.Equal(before + 1, broken.Requests.Count);
        await WaitForRecordsAsync(gateway.Services, channelId, 0);
    }

    private static async Task<long> ChannelIdAsync(IServiceProvider services, string name)
    {
        using var scope = services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<IChannelStore>().ListAsync(Ct)).Single(c => c.Name == name).Id;
    }

    private static async Task<List<DisabledChannelKey>> WaitForRecordsAsync(IServiceProvider services, long channelId, int count)
    {
        List<DisabledChannelKey> records = [];
        await WaitUntilAsync(async () =>
        {
            using var scope = services.CreateScope();
            records = (await scope.ServiceProvider.GetRequiredService<IChannelStateStore>().FindAsync(channelId, Ct))?.AutoDisabledKeys ?? [];
            return records.Count == count;
        });
        return records;
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not become true within 15 seconds.");
            await Task.Delay(50, Ct);
        }
    }
}
