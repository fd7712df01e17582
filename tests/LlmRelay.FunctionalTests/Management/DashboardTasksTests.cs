using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The dashboard's tasks page and the task links on the logs page (issue #17), over real Kestrel with video tasks made against a mock upstream.</summary>
public sealed class DashboardTasksTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TasksPage_UserSeesOnlyTheirTasks_AdminSeesAllWithUserAndChannel_WithStatusAndProgress()
    {
        await using var upstream = await MockVideoUpstream.StartAsync();
        upstream.Outcome = "in_progress";
        await using var h = await StartAsync(upstream);
        var alice = await KeyAsync(h.User, "alice-videos");
        var admin = await KeyAsync(h.Admin, "admin-videos");
        var aliceTasks = new[] { await CreateAsync(h, alice), await CreateAsync(h, alice) };
        var adminTask = await CreateAsync(h, admin);
        await WaitForAsync(h, "in_progress", 3);

        var mine = Flat(await h.User.Http.GetStringAsync("/dashboard/tasks", Ct));
        Assert.Contains("href=\"/dashboard/tasks\"", mine, StringComparison.Ordinal);
        Assert.Equal(aliceTasks.Reverse(), TaskIds(mine));
        Assert.DoesNotContain(adminTask, mine, StringComparison.Ordinal);
        Assert.DoesNotContain("task-channel", mine, StringComparison.Ordinal);
        Assert.DoesNotContain("task-user", mine, StringComparison.Ordinal);
        Assert.DoesNotContain("filter-user", mine, StringComparison.Ordinal);
        // Status with progress, the model with its length and size, the charge as currency (0.1 USD a task).
        Assert.Matches($"""data-task="{aliceTasks[0]}".*?sora-2.*?4 s 1280x720.*?data-status="in_progress">In progress · <span class="task-progress">42%</span></span>.*?class="quota"[^>]*>\$0\.1<""", mine);

        var all = Flat(await h.Admin.Http.GetStringAsync("/dashboard/tasks", Ct));
        Assert.Equal([adminTask, .. aliceTasks.Reverse()], TaskIds(all));
        Assert.Matches($"""data-task="{aliceTasks[0]}".*?class="task-user">alice<.*?class="task-channel">#\d+ video-upstream<""", all);
        Assert.Matches($"""data-task="{adminTask}".*?class="task-user">admin<""", all);

        // The charge is shown raw when DisplayInCurrencyEnabled is off.
        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "DisplayInCurrencyEnabled", value = "false" })).Success);
        var raw = Flat(await h.User.Http.GetStringAsync("/dashboard/tasks", Ct));
        Assert.Matches($"""data-task="{aliceTasks[0]}".*?class="quota" title="50,000">50,000<""", raw);
    }

    [Fact]
    public async Task TasksPage_Filters_AreTheTaskApisAndStayInTheForm()
    {
        await using var upstream = await MockVideoUpstream.StartAsync();
        upstream.Outcome = "in_progress";
        await using var h = await StartAsync(upstream);
        var alice = await KeyAsync(h.User, "alice-videos");
        var admin = await KeyAsync(h.Admin, "admin-videos");
        var first = await CreateAsync(h, alice);
        var second = await CreateAsync(h, alice);
        var adminTask = await CreateAsync(h, admin);

        var byId = Flat(await h.Admin.Http.GetStringAsync($"/dashboard/tasks?task_id={second}", Ct));
        Assert.Equal([second], TaskIds(byId));
        Assert.Contains($"id=\"filter-task\" value=\"{second}\"", byId, StringComparison.Ordinal);

        Assert.Equal([second, first], TaskIds(Flat(await h.Admin.Http.GetStringAsync($"/dashboard/tasks?user_id={h.UserId}", Ct))));
        Assert.Equal([adminTask], TaskIds(Flat(await h.Admin.Http.GetStringAsync($"/dashboard/tasks?user_id={h.AdminId}", Ct))));
        // user_id is an admin filter: a user's page stays theirs.
        Assert.Equal([second, first], TaskIds(Flat(await h.User.Http.GetStringAsync($"/dashboard/tasks?user_id={h.AdminId}", Ct))));
        Assert.Empty(TaskIds(Flat(await h.User.Http.GetStringAsync($"/dashboard/tasks?task_id={adminTask}", Ct))));

        var completed = Flat(await h.Admin.Http.GetStringAsync("/dashboard/tasks?status=completed", Ct));
        Assert.Empty(TaskIds(completed));
        Assert.Contains("No tasks yet.", completed, StringComparison.Ordinal);
        Assert.Contains("<option value=\"completed\" selected", completed, StringComparison.Ordinal);
        Assert.Empty(TaskIds(Flat(await h.Admin.Http.GetStringAsync("/dashboard/tasks?platform=midjourney", Ct))));
        Assert.Empty(TaskIds(Flat(await h.Admin.Http.GetStringAsync("/dashboard/tasks?start=2100-01-01T00:00", Ct))));
        Assert.Equal(3, TaskIds(Flat(await h.Admin.Http.GetStringAsync("/dashboard/tasks?end=2100-01-01T00:00&platform=video", Ct))).Count);

        upstream.Outcome = "completed";
        await WaitForAsync(h, "completed", 3);
        var done = Flat(await h.User.Http.GetStringAsync("/dashboard/tasks?status=completed", Ct));
        Assert.Equal([second, first], TaskIds(done));
        Assert.Matches($"""data-task="{second}".*?data-status="completed">Succeeded</span>""", done);

        // A bad filter: the API's message on the page, with its status, and no rows.
        using var bad = await h.User.Http.GetAsync("/dashboard/tasks?status=bogus", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badHtml = Flat(await bad.Content.ReadAsStringAsync(Ct));
        Assert.Contains("Query 'status' must be queued, in_progress, completed or failed.", badHtml, StringComparison.Ordinal);
        Assert.Empty(TaskIds(badHtml));
        using var badTime = await h.User.Http.GetAsync("/dashboard/tasks?start=yesterday", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badTime.StatusCode);
    }

    [Fact]
    public async Task LogsPage_RowsOfATask_LinkToItAndShowItsCurrentStatus()
    {
        await using var upstream = await MockVideoUpstream.StartAsync();
        upstream.Outcome = "failed";
        await using var h = await StartAsync(upstream);
        var alice = await KeyAsync(h.User, "alice-videos");
        var task = await CreateAsync(h, alice);
        await WaitForAsync(h, "failed", 1);

        // The charge row and the refund row both name the task in their details.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        JsonArray rows;
        while ((rows = (await h.User.SendAsync(HttpMethod.Get, "/api/log/self?p=1&page_size=10")).Data!["items"]!.AsArray()).Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "The usage rows were not written.");
            await Task.Delay(50, Ct);
        }

        Assert.All(rows, row => Assert.Contains($"\"task_id\":\"{task}\"", row!["other"]!.GetValue<string>(), StringComparison.Ordinal));

        var link = $"""<a class="task-link" href="/dashboard/tasks?task_id={task}"><code>{task}</code></a>""";
        foreach (var client in new[] { h.User, h.Admin })
        {
            var logs = Flat(await client.Http.GetStringAsync("/dashboard/logs", Ct));
            Assert.Matches($"""data-type="consume".*?{Regex.Escape(link)} <span class="badge task-status failed" data-status="failed">Failed · refunded</span>""", logs);
            Assert.Matches($"""data-type="refund".*?{Regex.Escape(link)}""", logs);
        }

        // The link opens the task: failed, refunded, with the upstream's reason.
        var page = Flat(await h.User.Http.GetStringAsync($"/dashboard/tasks?task_id={task}", Ct));
        Assert.Equal([task], TaskIds(page));
        Assert.Matches("""class="wrap task-reason">[^<]*blocked by moderation""", page);
        Assert.Contains("Failed · refunded", page, StringComparison.Ordinal);
    }

    private static Task<ManagementHarness> StartAsync(MockVideoUpstream upstream) => ManagementHarness.StartAsync(
        Settings.Merge(
            Settings.Channel(0, upstream.BaseUrl, ["sora-2"], name: "video-upstream"),
            new()
            {
                ["LlmRelay:Pricing:Models:sora-2:FixedPrice"] = "0.1",
                ["LlmRelay:Tasks:PollInterval"] = "00:00:00.050",
                ["LlmRelay:Tasks:MaxPollInterval"] = "00:00:00.100",
            }),
        userQuota: 10_000_000);

    private static List<string> TaskIds(string html) =>
        [.. Regex.Matches(html, """<tr data-task="([^"]+)" """).Select(static m => m.Groups[1].Value)];

    /// <summary>Waits until the poller has brought <paramref name="count"/> tasks to <paramref name="status"/> (the task API says so).</summary>
    private static async Task WaitForAsync(ManagementHarness h, string status, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await h.Admin.SendAsync(HttpMethod.Get, $"/api/task/?status={status}")).Data!["total"]!.GetValue<long>() < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The tasks did not reach {status}.");
            await Task.Delay(50, Ct);
        }
    }

    private static string Flat(string html) => WebUtility.HtmlDecode(html).Replace("\n", " ", StringComparison.Ordinal);

    private static Task<string> KeyAsync(ApiClient client, string name) => TaskLogTests.KeyAsync(client, name);

    private static Task<string> CreateAsync(ManagementHarness h, string key) => TaskLogTests.CreateAsync(h, key);
}
