using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LlmRelay.BrowserTests;

/// <summary>Drives the dashboard in headless Chromium from a fresh gateway to a relayed call seen in the logs, at desktop and phone widths.</summary>
public sealed class DashboardWalkTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Model = "gpt-4o-mini";
    private const string Password = "root-password-123";

    private const string Completion = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the mock"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}
        """;

    [Fact]
    public async Task Setup_login_channel_token_relay_logs_language()
    {
        var chromium = browser.RequireBrowser();
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Completion));
        await using var gateway = new GatewayFactory(Settings.FlatPrice(Model));
        gateway.Start();
        var baseUrl = gateway.BaseAddress.ToString().TrimEnd('/');

        await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);

        // A fresh gateway sends every dashboard visitor to setup.
        await page.GotoAsync("/dashboard");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/setup$"));
        await ShotAsync(page, "01-setup");

        // The server's validation shows under the field it names.
        await page.FillAsync("#username", "root");
        await page.FillAsync("#password", "short");
        await page.FillAsync("#confirm_password", "short");
        await page.ClickAsync("#setup-submit");
        await Expect(page.Locator(".field-error[data-field=password]")).ToBeVisibleAsync();
        await ShotAsync(page, "02-setup-field-error");

        await page.FillAsync("#password", Password);
        await page.FillAsync("#confirm_password", Password);
        await page.ClickAsync("#setup-submit");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/login"));
        await ShotAsync(page, "03-login");

        await page.FillAsync("#username", "root");
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Home");
        await Expect(page.Locator("#current-role")).ToHaveTextAsync("Root");
        await Expect(page.Locator("#token-count")).ToHaveTextAsync("0");
        await ShotAsync(page, "04-home-empty");

        // Add a channel pointing at the mock upstream; a bad base URL is refused first, naming the field.
        await page.ClickAsync("#nav-channels");
        await page.ClickAsync("#add-channel");
        await page.FillAsync("#channel-name", "mock-openai");
        await page.FillAsync("#channel-base-url", "not a url");
        await page.FillAsync("#channel-models", Model);
        await page.FillAsync("#channel-key", "sk-upstream-mock-key");
        await page.ClickAsync("#channel-submit");
        await Expect(page.Locator(".field-error[data-field=base_url]")).ToBeVisibleAsync();
        await ShotAsync(page, "05-channel-field-error");
        await page.FillAsync("#channel-base-url", upstream.BaseUrl);
        await page.FillAsync("#channel-key", "sk-upstream-mock-key");
        await page.ClickAsync("#channel-submit");
        await Expect(page.Locator("#channels tr[data-channel='mock-openai']")).ToContainTextAsync(upstream.BaseUrl);
        await page.Locator("#channels tr[data-channel='mock-openai'] button", new() { HasText = "Test" }).ClickAsync();
        await Expect(page.Locator(".flash.ok")).ToContainTextAsync("Test passed");
        await ShotAsync(page, "06-channels");

        // Create a token; its full key is shown once.
        await page.ClickAsync("#nav-tokens");
        await page.FillAsync("#token-name", "browser-key");
        await page.ClickAsync("#token-submit");
        var key = (await page.Locator("#new-token-key").InnerTextAsync()).Trim();
        Assert.StartsWith("sk-", key);
        await Expect(page.Locator("#tokens tr[data-token='browser-key']")).ToBeVisibleAsync();
        await ShotAsync(page, "07-tokens");

        // Relay a chat call with that key.
        using (var client = gateway.CreateGatewayClient(key))
        {
            using var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model = Model, messages = new[] { new { role = "user", content = "Hello" } } }, TestContext.Current.CancellationToken);
            Assert.Equal(200, (int)response.StatusCode);
        }

        await gateway.WaitForLogsAsync(1);

        // The call is in the logs page...
        await page.ClickAsync("#nav-logs");
        await Expect(page.Locator("#logs tbody")).ToContainTextAsync(Model);
        await Expect(page.Locator("#logs tbody")).ToContainTextAsync("browser-key");
        await ShotAsync(page, "08-logs");

        // ...and the home page numbers change: token count, quota of the last 7 days (42 tokens at ratio 1), recent logs, chart.
        await page.ClickAsync("#nav-home");
        await Expect(page.Locator("#token-count")).ToHaveTextAsync("1");
        await Expect(page.Locator("#recent-logs tbody")).ToContainTextAsync(Model);
        await Expect(page.Locator("#chart-requests rect")).ToHaveCountAsync(1);
        await Expect(page.Locator("#recent-quota")).ToHaveTextAsync("$0.000084"); // 42 quota at 500,000 per USD: the cards show currency (issue #15)
        await Expect(page.Locator("#snippet-curl")).ToContainTextAsync(baseUrl + "/v1/chat/completions");
        await ShotAsync(page, "09-home-after-call");

        // Switch language.
        await page.ClickAsync("#lang-zh");
        await Expect(page.Locator("h1")).ToHaveTextAsync("首页");
        await Expect(page.Locator("#nav-tokens")).ToHaveTextAsync("令牌");
        await ShotAsync(page, "10-home-zh");
        await page.ClickAsync("#nav-logs");
        await Expect(page.Locator("h1")).ToHaveTextAsync("使用日志");
        await page.ClickAsync("#lang-en");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Usage logs");

        // Every other page renders; one screenshot each.
        foreach (var (path, heading, name) in new[]
        {
            ("/dashboard/groups", "Channel groups", "11-groups"),
            ("/dashboard/groups?name=default", "Channel groups", "12-group-channels"),
            ("/dashboard/users", "User management", "13-users"),
            ("/dashboard/redemptions", "Redemption codes", "14-redemptions"),
            ("/dashboard/docs", "API documentation", "15-docs"),
            ("/dashboard/settings", "System settings", "16-settings"),
            ("/dashboard/channels/edit?id=1", "Edit channel", "17-channel-edit"),
        })
        {
            await page.GotoAsync(path);
            await Expect(page.Locator("h1")).ToHaveTextAsync(heading);
            await ShotAsync(page, name);
        }

        // Public status page: no sign-in needed.
        var anonymous = await chromium.NewPageAsync(new BrowserNewPageOptions { BaseURL = baseUrl });
        await anonymous.GotoAsync("/status");
        await Expect(anonymous.Locator("#service-state")).ToHaveTextAsync("Running");
        await Expect(anonymous.Locator("#model-usage tbody")).ToContainTextAsync(Model);
        await Expect(anonymous.Locator("#status-models")).ToContainTextAsync(Model);
        await ShotAsync(anonymous, "18-status");
        await anonymous.CloseAsync();

        // Phone width: the menu becomes a scrolling bar and tables scroll inside their frame.
        await page.SetViewportSizeAsync(390, 844);
        foreach (var (path, name) in new[] { ("/dashboard", "20-phone-home"), ("/dashboard/tokens", "21-phone-tokens"), ("/dashboard/logs", "22-phone-logs"), ("/dashboard/channels", "23-phone-channels") })
        {
            await page.GotoAsync(path);
            var wide = await page.EvaluateAsync<string>("""
                () => document.documentElement.scrollWidth <= window.innerWidth + 1 ? "" :
                  [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap, pre'))
                    .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')
                """);
            Assert.True(wide.Length == 0, $"{path} scrolls sideways at phone width: {wide}");
            await ShotAsync(page, name);
        }
    }

    [Fact]
    public async Task Dashboard_requires_sign_in_and_forms_require_antiforgery()
    {
        var chromium = browser.RequireBrowser();
        await using var gateway = new GatewayFactory([]);
        gateway.Start();
        using var client = gateway.CreateGatewayClient(null);

        // No antiforgery token: refused before the API is called.
        using var post = await client.PostAsync("/dashboard/setup", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "root", ["password"] = Password, ["confirm_password"] = Password }), TestContext.Current.CancellationToken);
        Assert.Equal(400, (int)post.StatusCode);

        var page = await chromium.NewPageAsync(new BrowserNewPageOptions { BaseURL = gateway.BaseAddress.ToString().TrimEnd('/') });
        await page.GotoAsync("/dashboard/tokens");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/setup$"));
        await page.CloseAsync();
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
}
