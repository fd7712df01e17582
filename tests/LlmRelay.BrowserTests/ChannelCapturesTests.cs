using System.Text.RegularExpressions;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LlmRelay.BrowserTests;

/// <summary>The dev captures panel on a channel's page (<c>LlmRelay:Captures</c>, issue #15) in headless Chromium: a relayed call shows with its credentials redacted when capturing is on, and there is no panel when it is off.</summary>
public sealed class ChannelCapturesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Model = "gpt-4o-mini";

    private const string Completion = """
        {"id":"chatcmpl-captured","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the mock"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}
        """;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ChannelPage_ShowsARelayedCallRedacted_OnlyWhileCapturing(bool enabled)
    {
        var chromium = browser.RequireBrowser();
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Completion));
        await using var gateway = await SignedInGateway.StartAsync(Settings.Merge(
            Settings.Channel(0, upstream.BaseUrl, [Model], name: "captured"),
            new Dictionary<string, string?> { ["LlmRelay:Captures:Enabled"] = enabled ? "true" : "false", ["LlmRelay:Captures:Limit"] = "5" }));
        var (_, key) = await gateway.CreateKeyAsync("capture-key");
        await gateway.RelayAsync(key, Model);
        Assert.Equal("Bearer " + Settings.UpstreamKey, Assert.Single(upstream.Requests).Headers["Authorization"]);

        await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            TimezoneId = "Asia/Tokyo",
        });
        var login = await context.APIRequest.PostAsync("/api/user/login", new APIRequestContextOptions { DataObject = new { username = SignedInGateway.Username, password = SignedInGateway.Password } });
        Assert.True(login.Ok, await login.TextAsync());
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);

        // From the channels list to the channel's page.
        await page.GotoAsync("/dashboard/channels");
        await page.Locator("#channels tr[data-channel='captured'] a", new() { HasText = "Edit" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/dashboard/channels/edit\?id=\d+$"));
        await Expect(page.Locator("#channel-form")).ToBeVisibleAsync();
        Assert.DoesNotContain(Settings.UpstreamKey, await page.ContentAsync(), StringComparison.Ordinal);
        if (!enabled)
        {
            await Expect(page.Locator("#channel-captures")).ToHaveCountAsync(0);
            await ShotAsync(page, "captures-off");
            return;
        }

        // One exchange: the relayed call, folded; opened, the request with its key redacted and the upstream's answer.
        var capture = page.Locator("#channel-captures details.capture");
        await Expect(capture).ToHaveCountAsync(1);
        await Expect(capture.Locator("summary")).ToContainTextAsync("POST /v1/chat/completions");
        await Expect(capture.Locator(".capture-status")).ToHaveTextAsync("200");
        await Expect(capture.Locator(".capture-request")).Not.ToBeVisibleAsync();
        await capture.Locator("summary").ClickAsync();
        await Expect(capture.Locator(".capture-request")).ToBeVisibleAsync();
        await Expect(capture.Locator(".capture-request")).ToContainTextAsync("Authorization: [redacted]");
        await Expect(capture.Locator(".capture-request")).ToContainTextAsync($"\"model\":\"{Model}\"");
        await Expect(capture.Locator(".capture-response")).ToContainTextAsync("chatcmpl-captured");

        // Its time in the viewer's zone (UTC+9), as everywhere on the dashboard.
        var at = await capture.Locator("summary time").GetAttributeAsync("datetime");
        var expected = TimeZoneInfo.ConvertTime(DateTimeOffset.Parse(at!, System.Globalization.CultureInfo.InvariantCulture), TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        await Expect(capture.Locator("summary time")).ToHaveTextAsync(expected.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(Settings.UpstreamKey, await page.ContentAsync(), StringComparison.Ordinal);
        await ShotAsync(page, "captures-on");
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
}
