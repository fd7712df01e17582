using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Tasks;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Video tasks (issue #17) over real Kestrel with a mock OpenAI Videos upstream: create, poll, download, refund, restart.</summary>
public sealed class VideoTaskTests
{
    private const string OtherKey = "sk-other-0123456789abcdefghijklmnop";
    private const long Balance = 1_000_000;
    private const long Price = 200_000; // FixedPrice 0.4 USD x 500,000 quota per USD
    private const string Create = """{"model":"sora-2","prompt":"A cat surfing a wave at sunset","seconds":"4","size":"1280x720"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Config(string upstream, string? database = null)
    {
        var settings = Settings.Merge(
            Settings.Channel(0, upstream, ["sora-2", "veo-free"]),
            Settings.Token(Settings.Key, "owner", remainQuota: Balance, unlimited: false, index: 0),
            Settings.Token(OtherKey, "other", remainQuota: Balance, unlimited: false, index: 1),
            new()
            {
                ["LlmRelay:Pricing:Models:sora-2:FixedPrice"] = "0.4",
                ["LlmRelay:Tasks:PollInterval"] = "00:00:00.050",
                ["LlmRelay:Tasks:MaxPollInterval"] = "00:00:00.100",
            });
        if (database is not null)
        {
            settings["ConnectionStrings:LlmRelay"] = $"Data Source={database}";
        }

        return settings;
    }

    [Fact]
    public async Task Create_PolledToCompletion_TheOwnerDownloadsTheContent_AnotherKeyGets404()
    {
        await using var upstream = await MockVideoUpstream.StartAsync();
        upstream.Outcome = "in_progress";
        await using var gateway = new GatewayFactory(Config(upstream.BaseUrl));
        gateway.Start();
        using var owner = gateway.CreateGatewayClient(Settings.Key);
        using var other = gateway.CreateGatewayClient(OtherKey);

        using var created = await owner.PostAsync("/v1/videos", new StringContent(Create, Encoding.UTF8, "application/json"), Ct);
        var video = JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = video["id"]!.GetValue<string>();
        Assert.StartsWith("video_", id, StringComparison.Ordinal);
        Assert.DoesNotContain("upstream", id, StringComparison.Ordinal); // the gateway's own id, not the upstream's
        Assert.Equal("video", video["object"]!.GetValue<string>());
        Assert.Equal("queued", video["status"]!.GetValue<string>());
        Assert.Equal("sora-2", video["model"]!.GetValue<string>());
        Assert.Equal("4", video["seconds"]!.GetValue<string>());
        Assert.Equal("1280x720", video["size"]!.GetValue<string>());

        // The upstream got OpenAI's create call with the channel's key, through the pipeline.
        var sent = Assert.Single(upstream.Upstream.Requests, static r => r.Method == "POST");
        Assert.Equal("/v1/videos", sent.PathAndQuery);
        Assert.Equal($"Bearer {Settings.UpstreamKey}", sent.Headers["Authorization"]);
        var body = JsonNode.Parse(sent.BodyText)!;
        Assert.Equal("A cat surfing a wave at sunset", body["prompt"]!.GetValue<string>());
        Assert.Equal("4", body["seconds"]!.GetValue<string>());

        // Polled in the background: in progress first, then completed.
        var running = await WaitForStatusAsync(owner, id, "in_progress");
        Assert.Equal(42, running["progress"]!.GetValue<int>());
        using (var early = await owner.GetAsync($"/v1/videos/{id}/content", Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, early.StatusCode);
            Assert.Equal("video_not_ready", JsonNode.Parse(await early.Content.ReadAsStringAsync(Ct))!["error"]!["code"]!.GetValue<string>());
        }

        upstream.Outcome = "completed";
        var done = await WaitForStatusAsync(owner, id, "completed");
        Assert.Equal(100, done["progress"]!.GetValue<int>());
        Assert.True(done["completed_at"]!.GetValue<long>() > 0);
        Assert.All(upstream.Polls, p => Assert.Equal("/v1/videos/video_upstream_1", p));

        // The content is streamed from the upstream to the key that created the task.
        using (var content = await owner.GetAsync($"/v1/videos/{id}/content", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, content.StatusCode);
            Assert.Equal("video/mp4", content.Content.Headers.ContentType!.MediaType);
            Assert.Equal(MockVideoUpstream.Video, await content.Content.ReadAsByteArrayAsync(Ct));
        }

        Assert.Equal("/v1/videos/video_upstream_1/content", Assert.Single(upstream.Downloads));

        // Another key sees neither the task nor its content, and nothing is asked of the upstream for it.
        foreach (var path in (string[])[$"/v1/videos/{id}", $"/v1/videos/{id}/content", $"/v1/video/generations/{id}"])
        {
            using var refused = await other.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.Equal("video_not_found", JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!["error"]!["code"]!.GetValue<string>());
        }

        Assert.Single(upstream.Downloads);

        // The generic family reads the same task, with the gateway's content URL.
        var generation = JsonNode.Parse(await owner.GetStringAsync($"/v1/video/generations/{id}", Ct))!;
        Assert.Equal(id, generation["task_id"]!.GetValue<string>());
        Assert.Equal("completed", generation["status"]!.GetValue<string>());
        Assert.Equal(new Uri(gateway.BaseAddress, $"/v1/videos/{id}/content").ToString(), generation["url"]!.GetValue<string>());
        Assert.Equal(1280, generation["metadata"]!["width"]!.GetValue<int>());
        Assert.Equal(4, generation["metadata"]!["duration"]!.GetValue<int>());

        // Charged once, the model's price per task; the charge stands.
        var row = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal((UsageLogType.Consume, Price, "sora-2", 200), (row.Type, row.Quota, row.ModelName, row.StatusCode));
        Assert.Contains(id, row.Content, StringComparison.Ordinal);
        Assert.Equal((Balance - Price, Price), await BalanceAsync(gateway, Settings.Key));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task FailingUpstream_TheTaskFails_AndItsChargeIsRefundedInFull(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var upstream = await MockVideoUpstream.StartAsync();
        upstream.Outcome = "failed";
        await using var gateway = new GatewayFactory(Settings.Merge(Config(upstream.BaseUrl), database.Settings));
        gateway.Start();
        using var owner = gateway.CreateGatewayClient(Settings.Key);

        using var created = await owner.PostAsync("/v1/video/generations", new StringContent("""{"model":"sora-2","prompt":"forbidden","duration":8,"width":720,"height":1280}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var submitted = JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!;
        var id = submitted["task_id"]!.GetValue<string>();
        Assert.Equal("queued", submitted["status"]!.GetValue<string>());
        var sent = JsonNode.Parse(Assert.Single(upstream.Upstream.Requests, static r => r.Method == "POST").BodyText)!;
        Assert.Equal(("8", "720x1280"), (sent["seconds"]!.GetValue<string>(), sent["size"]!.GetValue<string>()));

        var failed = await WaitForStatusAsync(owner, id, "failed");
        Assert.Equal("The prompt was blocked by moderation.", failed["error"]!["message"]!.GetValue<string>());
        var generation = JsonNode.Parse(await owner.GetStringAsync($"/v1/video/generations/{id}", Ct))!;
        Assert.Equal("failed", generation["status"]!.GetValue<string>());
        Assert.Null(generation["url"]);

        // The consume row and a refund row of the same amount: the key and its balance are whole again.
        var rows = await gateway.WaitForLogsAsync(2);
        var refund = Assert.Single(rows, r => r.Type == UsageLogType.Refund);
        var consume = Assert.Single(rows, r => r.Type == UsageLogType.Consume);
        Assert.Equal((Price, Price), (consume.Quota, refund.Quota));
        Assert.Contains("refunded", refund.Content, StringComparison.Ordinal);
        Assert.Contains(id, refund.Content, StringComparison.Ordinal);
        Assert.Equal((Balance, 0L), await BalanceAsync(gateway, Settings.Key));

        // Finishing again (another round, another instance) writes nothing and refunds nothing twice.
        using (var scope = gateway.Services.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IRelayTaskStore>();
            var task = (await store.FindAsync(id, Ct))!;
            Assert.Equal((RelayTaskStatus.Failed, Price), (task.Status, task.Quota));
            Assert.False(await store.TryFinishAsync(task, RelayTaskPoller.RefundOf(task, DateTimeOffset.UtcNow, "again"), Ct));
        }

        Assert.Equal((Balance, 0L), await BalanceAsync(gateway, Settings.Key));
        Assert.Equal(2, (await gateway.WaitForLogsAsync(2)).Count);
    }

    [Fact]
    public async Task UpstreamForgetsTheTask_404_TheTaskFailsAndIsRefunded()
    {
        await using var upstream = await MockVideoUpstream.StartAsync();
        upstream.Outcome = "404";
        await using var gateway = new GatewayFactory(Config(upstream.BaseUrl));
        gateway.Start();
        using var owner = gateway.CreateGatewayClient(Settings.Key);
        using var created = await owner.PostAsync("/v1/videos", new StringContent(Create, Encoding.UTF8, "application/json"), Ct);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!["id"]!.GetValue<string>();

        await WaitForStatusAsync(owner, id, "failed");
        await gateway.WaitForLogsAsync(2);
        Assert.Equal((Balance, 0L), await BalanceAsync(gateway, Settings.Key));
    }

    [Fact]
    public async Task GatewayRestartedMidTask_TheNewHostResumesPollingFromTheDatabase_AndSettlesOnce()
    {
        var directory = Directory.CreateTempSubdirectory("llmrelay-video-");
        var database = Path.Combine(directory.FullName, "relay.db");
        try
        {
            await using var upstream = await MockVideoUpstream.StartAsync();
            upstream.Outcome = "in_progress";
            string id;
            await using (var first = new GatewayFactory(Config(upstream.BaseUrl, database)))
            {
                first.Start();
                using var owner = first.CreateGatewayClient(Settings.Key);
                using var created = await owner.PostAsync("/v1/videos", new StringContent(Create, Encoding.UTF8, "application/json"), Ct);
                Assert.Equal(HttpStatusCode.OK, created.StatusCode);
                id = JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!["id"]!.GetValue<string>();
                await WaitForStatusAsync(owner, id, "in_progress");
                await first.WaitForLogsAsync(1);
            }

            // The first host is gone; the upstream finishes the video meanwhile.
            var pollsBefore = upstream.Polls.Count;
            upstream.Outcome = "completed";
            await using var second = new GatewayFactory(Config(upstream.BaseUrl, database));
            second.Start();
            using var client = second.CreateGatewayClient(Settings.Key);
            var done = await WaitForStatusAsync(client, id, "completed");
            Assert.Equal(100, done["progress"]!.GetValue<int>());
            Assert.True(upstream.Polls.Count > pollsBefore, "The restarted gateway polled the upstream.");
            using (var content = await client.GetAsync($"/v1/videos/{id}/content", Ct))
            {
                Assert.Equal(MockVideoUpstream.Video, await content.Content.ReadAsByteArrayAsync(Ct));
            }

            // Settled once: one charge, no refund, the task finished once.
            var polls = upstream.Polls.Count;
            using (var scope = second.Services.CreateScope())
            {
                var task = (await scope.ServiceProvider.GetRequiredService<IRelayTaskStore>().FindAsync(id, Ct))!;
                Assert.Equal(RelayTaskStatus.Completed, task.Status);
                Assert.NotNull(task.FinishedAt);
                Assert.Empty(await scope.ServiceProvider.GetRequiredService<IRelayTaskStore>().ListDueAsync(DateTimeOffset.MaxValue, 10, Ct));
            }

            var row = Assert.Single(await second.WaitForLogsAsync(1));
            Assert.Equal((UsageLogType.Consume, Price), (row.Type, row.Quota));
            Assert.Equal((Balance - Price, Price), await BalanceAsync(second, Settings.Key));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    public static TheoryData<string, string, string?> BadInputs => new()
    {
        { "/v1/videos", """{"model":"sora-2"}""", "prompt" },
        { "/v1/videos", """{"model":"sora-2","prompt":"x","seconds":"four"}""", "seconds" },
        { "/v1/videos", """{"model":"sora-2","prompt":"x","seconds":"0"}""", "seconds" },
        { "/v1/videos", """{"model":"sora-2","prompt":"x","size":"big"}""", "size" },
        { "/v1/videos", """{"model":"sora-2","prompt":"x","input_reference":"data:image/png;base64,AAAA"}""", "input_reference" },
        { "/v1/videos", """{"model":42,"prompt":"x"}""", "model" },
        { "/v1/videos", """{"model":"sora-2","prompt":""", null },
        { "/v1/video/generations", """{"prompt":"x"}""", "model" },
        { "/v1/video/generations", """{"model":"sora-2","prompt":"x","width":1280}""", "height" },
        { "/v1/video/generations", """{"model":"sora-2","prompt":"x","n":2}""", "n" },
        { "/v1/video/generations", """{"model":"sora-2","prompt":"x","image":"https://example.com/a.png"}""", "image" },
        { "/v1/video/generations", """{"model":"veo-free","prompt":"x"}""", "model" }, // no price per task
    };

    [Fact]
    public async Task BadInput_Is400InOpenAIShape_AndNothingIsSentOrCharged()
    {
        await using var upstream = await MockVideoUpstream.StartAsync();
        await using var gateway = new GatewayFactory(Config(upstream.BaseUrl));
        gateway.Start();
        using var owner = gateway.CreateGatewayClient(Settings.Key);

        foreach (var row in BadInputs)
        {
            var (path, body, param) = row.Data;
            using var response = await owner.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {body}: {response.StatusCode} {text}");
            var error = JsonNode.Parse(text)!["error"]!;
            Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
            Assert.Equal(param, error["param"]?.GetValue<string>());
        }

        Assert.Empty(upstream.Upstream.Requests);
        Assert.Equal((Balance, 0L), await BalanceAsync(gateway, Settings.Key));
    }

    [Fact]
    public async Task MultipartForm_AsOpenAISdksSendIt_IsRelayed()
    {
        await using var upstream = await MockVideoUpstream.StartAsync();
        await using var gateway = new GatewayFactory(Config(upstream.BaseUrl));
        gateway.Start();
        using var owner = gateway.CreateGatewayClient(Settings.Key);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("sora-2"), "model" },
            { new StringContent("A paper boat"), "prompt" },
            { new StringContent("8"), "seconds" },
        };

        using var created = await owner.PostAsync("/v1/videos", form, Ct);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var sent = JsonNode.Parse(Assert.Single(upstream.Upstream.Requests, static r => r.Method == "POST").BodyText)!;
        Assert.Equal(("sora-2", "A paper boat", "8"), (sent["model"]!.GetValue<string>(), sent["prompt"]!.GetValue<string>(), sent["seconds"]!.GetValue<string>()));
        Assert.Null(sent["size"]);

        using var withFile = new MultipartFormDataContent
        {
            { new StringContent("A paper boat"), "prompt" },
            { new ByteArrayContent([1, 2, 3]) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } }, "input_reference", "boat.png" },
        };
        using var refused = await owner.PostAsync("/v1/videos", withFile, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("input_reference", JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!["error"]!["param"]!.GetValue<string>());
        Assert.Single(upstream.Upstream.Requests, static r => r.Method == "POST");
    }

    private static async Task<JsonNode> WaitForStatusAsync(HttpClient client, string id, string status)
    {
        // Waits for the background poller (a condition, not a duration): the poll interval is 50 ms.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var response = await client.GetAsync($"/v1/videos/{id}", Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var video = JsonNode.Parse(text)!;
            if (video["status"]!.GetValue<string>() == status)
            {
                return video;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The task is still {video["status"]}, not {status}: {text}");
            await Task.Delay(25, Ct);
        }
    }

    private static async Task<(long Remain, long Used)> BalanceAsync(GatewayFactory gateway, string key)
    {
        using var scope = gateway.Services.CreateScope();
        var token = (await scope.ServiceProvider.GetRequiredService<ITokenStore>().FindByKeyHashAsync(ApiKeys.Hash(key), Ct))!;
        return (token.RemainQuota, token.UsedQuota);
    }
}
