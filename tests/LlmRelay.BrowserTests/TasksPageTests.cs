using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LlmRelay.BrowserTests;

/// <summary>The dashboard's tasks page (issue #17) in headless Chromium: a video task made against a mock upstream, reached from the menu and from its usage row.</summary>
public sealed class TasksPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TasksPage_ShowsTheTaskFromTheMenu_AndTheLogRowLinksToIt()
    {
        var chromium = browser.RequireBrowser();
        await using var upstream = await MockVideoUpstream.StartAsync();
        upstream.Outcome = "in_progress";
        await using var gateway = await SignedInGateway.StartAsync(Settings.Merge(
            Settings.Channel(0, upstream.BaseUrl, ["sora-2"], name: "video-upstream"),
            new() { ["LlmRelay:Pricing:Models:sora-2:FixedPrice"] = "0.1", ["LlmRelay:Tasks:PollInterval"] = "00:00:00.050", ["LlmRelay:Tasks:MaxPollInterval"] = "00:00:00.100" }));
        var (_, key) = await gateway.CreateKeyAsync("video-key");
        var first = await CreateAsync(gateway, key);
        var second = await CreateAsync(gateway, key);
        await using var context = await gateway.NewSignedInContextAsync(chromium, 1280);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);

        await page.GotoAsync("/dashboard");
        await page.ClickAsync("#nav-tasks");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Tasks");
        await Expect(page.Locator("#tasks tbody tr[data-task]")).ToHaveCountAsync(2);
        // The poller moves the tasks on: a reload shows the upstream's progress.
        var row = page.Locator($"#tasks tr[data-task='{first}']");
        for (var i = 0; i < 100 && await row.GetAttributeAsync("data-status") != "in_progress"; i++)
        {
            await page.WaitForTimeoutAsync(100);
            await page.ReloadAsync();
        }

        await Expect(row.Locator(".task-status")).ToHaveTextAsync("In progress · 42%");
        await Expect(row.Locator(".task-channel")).ToContainTextAsync("video-upstream");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "tasks-page.png"), FullPage = true });

        // The filter form keeps the task id in the URL.
        await page.FillAsync("#filter-task", second);
        await page.ClickAsync("#filter-submit");
        await Expect(page.Locator("#tasks tbody tr[data-task]")).ToHaveCountAsync(1);
        Assert.Contains("task_id=" + second, page.Url, StringComparison.Ordinal);

        // The usage row of the first task links to it.
        await page.ClickAsync("#nav-logs");
        await page.ClickAsync($"#logs a.task-link[href$='task_id={first}']");
        await Expect(page.Locator("#tasks tbody tr[data-task]")).ToHaveCountAsync(1);
        await Expect(page.Locator($"#tasks tr[data-task='{first}']")).ToHaveCountAsync(1);
    }

    private static async Task<string> CreateAsync(SignedInGateway gateway, string key)
    {
        using var client = gateway.Gateway.CreateGatewayClient(key);
        return await MockVideoUpstream.SubmitAsync(client, Ct);
    }
}
