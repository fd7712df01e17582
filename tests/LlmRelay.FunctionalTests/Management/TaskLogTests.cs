using System.Net;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The task logs (issue #17): <c>/api/task/</c> and <c>/api/task/self</c> over the stored video tasks, <c>/api/mj/</c> over the same store.</summary>
public sealed class TaskLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TaskLogs_ListStoredTasks_WithFiltersAndPaging_SelfSeesOnlyItsOwn()
    {
        await using var upstream = await MockVideoUpstream.StartAsync();
        upstream.Outcome = "in_progress";
        await using var h = await ManagementHarness.StartAsync(
            Settings.Merge(
                Settings.Channel(0, upstream.BaseUrl, ["sora-2"]),
                new()
                {
                    ["LlmRelay:Pricing:Models:sora-2:FixedPrice"] = "0.1",
                    ["LlmRelay:Tasks:PollInterval"] = "00:00:00.050",
                    ["LlmRelay:Tasks:MaxPollInterval"] = "00:00:00.100",
                }),
            userQuota: 10_000_000);
        var alice = await KeyAsync(h.User, "alice-videos");
        var admin = await KeyAsync(h.Admin, "admin-videos");
        var aliceTasks = new List<string> { await CreateAsync(h, alice), await CreateAsync(h, alice) };
        var adminTask = await CreateAsync(h, admin);

        // The user sees their own two tasks, newest first, without the channel or the upstream's id.
        var self = await h.User.SendAsync(HttpMethod.Get, "/api/task/self?p=1&page_size=10");
        Assert.True(self.Success, self.Message);
        Assert.Equal(2, self.Data!["total"]!.GetValue<long>());
        var items = self.Data["items"]!.AsArray();
        Assert.Equal(aliceTasks.AsEnumerable().Reverse(), items.Select(static i => i!["task_id"]!.GetValue<string>()));
        Assert.All(items, i =>
        {
            Assert.Equal(h.UserId, i!["user_id"]!.GetValue<long>());
            Assert.Equal("video", i["platform"]!.GetValue<string>());
            Assert.Equal("sora-2", i["model_name"]!.GetValue<string>());
            Assert.Equal(50_000, i["quota"]!.GetValue<long>());
            Assert.Null(i["channel_id"]);
            Assert.Null(i["upstream_task_id"]);
        });

        // user_id and channel_id are admin filters: on self they cannot reach another user's rows.
        var sneaky = await h.User.SendAsync(HttpMethod.Get, $"/api/task/self?user_id={h.AdminId}");
        Assert.Equal(2, sneaky.Data!["total"]!.GetValue<long>());

        // The admin sees every task, with the channel, and filters by user, task id and status, paging.
        var all = await h.Admin.SendAsync(HttpMethod.Get, "/api/task/?page_size=2");
        Assert.True(all.Success, all.Message);
        Assert.Equal(3, all.Data!["total"]!.GetValue<long>());
        Assert.Equal(2, all.Data["items"]!.AsArray().Count);
        Assert.Equal(adminTask, all.Data["items"]![0]!["task_id"]!.GetValue<string>());
        Assert.NotNull(all.Data["items"]![0]!["channel_id"]);
        Assert.StartsWith("video_upstream_", all.Data["items"]![0]!["upstream_task_id"]!.GetValue<string>(), StringComparison.Ordinal);
        var page2 = await h.Admin.SendAsync(HttpMethod.Get, "/api/task/?page_size=2&p=2");
        Assert.Single(page2.Data!["items"]!.AsArray());
        Assert.Equal(2, (await h.Admin.SendAsync(HttpMethod.Get, $"/api/task/?user_id={h.UserId}")).Data!["total"]!.GetValue<long>());
        Assert.Equal(1, (await h.Admin.SendAsync(HttpMethod.Get, $"/api/task/?task_id={adminTask}")).Data!["total"]!.GetValue<long>());
        Assert.Equal(0, (await h.Admin.SendAsync(HttpMethod.Get, "/api/task/?status=completed")).Data!["total"]!.GetValue<long>());
        Assert.Equal(0, (await h.Admin.SendAsync(HttpMethod.Get, "/api/task/?platform=midjourney")).Data!["total"]!.GetValue<long>());
        Assert.Equal(0, (await h.Admin.SendAsync(HttpMethod.Get, "/api/task/?start_timestamp=4102444800")).Data!["total"]!.GetValue<long>());

        // Once the upstream finishes, the status filter finds them.
        upstream.Outcome = "completed";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await h.Admin.SendAsync(HttpMethod.Get, "/api/task/?status=completed")).Data!["total"]!.GetValue<long>() < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "The tasks did not complete.");
            await Task.Delay(50, Ct);
        }

        var finished = await h.User.SendAsync(HttpMethod.Get, "/api/task/self?status=SUCCESS");
        Assert.Equal(2, finished.Data!["total"]!.GetValue<long>());
        Assert.All(finished.Data["items"]!.AsArray(), i => Assert.Equal(100, i!["progress"]!.GetValue<int>()));

        // Midjourney lists: the same store, no mj tasks, the same page shape.
        foreach (var (client, path) in new[] { (h.Admin, "/api/mj/"), (h.User, "/api/mj/self") })
        {
            var mj = await client.SendAsync(HttpMethod.Get, path);
            Assert.True(mj.Success, mj.Message);
            Assert.Equal(0, mj.Data!["total"]!.GetValue<long>());
            Assert.Empty(mj.Data["items"]!.AsArray());
            Assert.Equal(1, mj.Data["page"]!.GetValue<int>());
        }

        // Bad filters: the management API's own error shape.
        foreach (var bad in (string[])["/api/task/?status=bogus", "/api/task/?p=0", "/api/task/?page_size=1000", "/api/task/?channel_id=abc"])
        {
            var refused = await h.Admin.SendAsync(HttpMethod.Get, bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.False(refused.Success);
            Assert.False(string.IsNullOrEmpty(refused.Message));
        }
    }

    internal static async Task<string> KeyAsync(ApiClient client, string name)
    {
        var created = await client.SendAsync(HttpMethod.Post, "/api/token/", new { name, unlimited_quota = true });
        Assert.True(created.Success, created.Message);
        return created.Data!["key"]!.GetValue<string>();
    }

    internal static async Task<string> CreateAsync(ManagementHarness h, string key)
    {
        using var client = h.Gateway.CreateGatewayClient(key);
        return await MockVideoUpstream.SubmitAsync(client, Ct);
    }
}
