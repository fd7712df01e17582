using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LlmRelay.BrowserTests;

/// <summary>The logs, tokens and settings pages of issue #15 in headless Chromium, in a viewer's time zone that is not the server's.</summary>
public sealed class DashboardPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Password = "root-password-123";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Logs_TimeZoneElapsedTypeFiltersInTheUrlAndCsvExport()
    {
        var chromium = browser.RequireBrowser();
        await using var gateway = new GatewayFactory([]);
        gateway.Start();
        var rootId = await SetUpAsync(gateway);
        var at = new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);
        await AppendAsync(gateway, [
            .. Enumerable.Range(0, 23).Select(i => Row(rootId, "paged-model", at.AddMinutes(-i), 1500)),
            Row(rootId, "other-model", at, 850),
            new UsageLog { CreatedAt = at, Type = UsageLogType.Error, UserId = rootId, ModelName = "broken-model", StatusCode = 502, Content = "upstream answered 502" },
        ]);

        await using var context = await NewContextAsync(chromium, gateway);
        var page = await SignInAsync(context);
        await page.GotoAsync("/dashboard/logs");
        await Expect(page.Locator("#logs-zone")).ToContainTextAsync("Asia/Tokyo");

        // Times in the viewer's zone (UTC+9), elapsed in ms or s, the error row marked as such.
        var other = page.Locator("#logs tr", new() { HasText = "other-model" });
        await Expect(other.Locator("time")).ToHaveTextAsync("2026-03-01 18:30:00");
        await Expect(other.Locator("td.elapsed")).ToHaveTextAsync("850 ms");
        await Expect(page.Locator("#logs tr", new() { HasText = "paged-model" }).First.Locator("td.elapsed")).ToHaveTextAsync("1.5 s");
        var error = page.Locator("#logs tr[data-type=error]");
        await Expect(error.Locator(".badge")).ToHaveTextAsync("Error");
        await Expect(error.Locator("td.log-content")).ToHaveTextAsync("[502] upstream answered 502");
        await ShotAsync(page, "30-logs-columns");
        // At 1280 px an admin's log table fits its frame: no sideways scrolling to reach the details.
        Assert.True(await page.EvaluateAsync<bool>("() => { const w = document.querySelector('#logs').closest('.table-wrap'); return w.scrollWidth <= w.clientWidth + 1; }"), "The log table scrolls sideways at 1280 px: " + await page.EvaluateAsync<string>("() => { const w = document.querySelector('#logs').closest('.table-wrap'); return w.scrollWidth + ' > ' + w.clientWidth + ': ' + [...document.querySelectorAll('#logs thead th')].map(t => t.textContent + '=' + Math.round(t.getBoundingClientRect().width)).join(', '); }"));

        // A page the server rendered in another zone (a stale cookie: UTC) is redrawn in the browser's, which the cookie then names.
        await context.AddCookiesAsync([new Cookie { Name = "llmrelay_tz", Value = "UTC", Url = gateway.BaseAddress.ToString() }]);
        var served = await (await context.APIRequest.GetAsync("/dashboard/logs")).TextAsync();
        Assert.Contains(">2026-03-01 09:30:00</time>", served, StringComparison.Ordinal);
        await page.ReloadAsync();
        await Expect(other.Locator("time")).ToHaveTextAsync("2026-03-01 18:30:00");
        await Expect(page.Locator("#logs-zone")).ToContainTextAsync("Asia/Tokyo");
        Assert.Contains(await context.CookiesAsync(), c => c.Name == "llmrelay_tz" && c.Value == "Asia/Tokyo");

        // Filters go into the URL: a filtered view can be bookmarked, and the next page keeps them.
        await page.FillAsync("#filter-model", "paged-model");
        await page.SelectOptionAsync("#filter-type", "2");
        await page.FillAsync("#filter-start", "2026-03-01T18:00");
        await page.FillAsync("#filter-end", "2026-03-01T19:00");
        await page.ClickAsync("#filter-submit");
        await Expect(page).ToHaveURLAsync(new Regex("model_name=paged-model.*start=2026-03-01T18%3A00"));
        await Expect(page.Locator("#logs tbody tr")).ToHaveCountAsync(20);
        await page.ClickAsync("#page-next");
        await Expect(page).ToHaveURLAsync(new Regex("model_name=paged-model.*p=2"));
        await Expect(page.Locator("#logs tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#logs tbody")).Not.ToContainTextAsync("other-model");
        var bookmark = page.Url;
        var reopened = await context.NewPageAsync();
        await reopened.GotoAsync(bookmark);
        await Expect(reopened.Locator("#filter-model")).ToHaveValueAsync("paged-model");
        await Expect(reopened.Locator("#logs tbody tr")).ToHaveCountAsync(3);
        await reopened.CloseAsync();

        // The export holds the filtered rows (all 23 across pages), times in the viewer's zone.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#logs-export"));
        Assert.Equal("llmrelay-logs.csv", download.SuggestedFilename);
        var csv = await File.ReadAllLinesAsync((await download.PathAsync())!, Ct);
        Assert.Equal(24, csv.Length);
        Assert.All(csv.Skip(1), line => Assert.Contains(",consume,root,key-1,paged-model,", line, StringComparison.Ordinal));
        Assert.Contains(csv, line => line.Contains(",2026-03-01 18:30:00,2026-03-01T09:30:00.000Z,", StringComparison.Ordinal));
        await ShotAsync(page, "31-logs-filtered");
    }

    [Fact]
    public async Task Tokens_KeyShownOnceWithWorkingCopy_ThenEdit()
    {
        var chromium = browser.RequireBrowser();
        await using var gateway = new GatewayFactory([]);
        gateway.Start();
        await SetUpAsync(gateway);
        await using var context = await NewContextAsync(chromium, gateway);
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var page = await SignInAsync(context);

        await page.GotoAsync("/dashboard/tokens");
        await page.FillAsync("#token-name", "copy-me");
        await page.ClickAsync("#token-submit");
        var key = (await page.Locator("#new-token-key").InnerTextAsync()).Trim();
        Assert.StartsWith("sk-", key, StringComparison.Ordinal);

        // The copy button puts the full key on the clipboard and says so.
        var copy = page.Locator("#new-token button[data-copy=new-token-key]");
        await copy.ClickAsync();
        await Expect(copy).ToHaveTextAsync("Copied");
        Assert.Equal(key, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await ShotAsync(page, "32-token-created");

        // After that, only the mask.
        await page.GotoAsync("/dashboard/tokens");
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        await Expect(page.Locator("#tokens tr[data-token='copy-me'] code")).ToHaveTextAsync(key[..7] + "..." + key[^4..]);

        // Edit: the form holds the token's values; the group list only the user's groups.
        await page.Locator("#tokens tr[data-token='copy-me'] a.edit-token").ClickAsync();
        await Expect(page.Locator("#edit-token-name")).ToHaveValueAsync("copy-me");
        await Expect(page.Locator("#edit-token-group option")).ToHaveTextAsync(["default"]);
        await page.FillAsync("#edit-token-name", "edited");
        await page.UncheckAsync("#edit-token-unlimited");
        await page.FillAsync("#edit-token-quota", "-1");
        await page.ClickAsync("#edit-token-submit");
        await Expect(page.Locator("#token-edit .field-error[data-field=remain_quota]")).ToBeVisibleAsync();
        await Expect(page.Locator("#edit-token-name")).ToHaveValueAsync("edited");
        await ShotAsync(page, "33-token-edit-error");

        await page.FillAsync("#edit-token-quota", "5000");
        await page.FillAsync("#edit-token-expires", "2099-01-02T09:00");
        await page.FillAsync("#edit-token-models", "gpt-4o");
        await page.FillAsync("#edit-token-allow-ips", "10.0.0.0/8");
        await page.ClickAsync("#edit-token-submit");
        await Expect(page.Locator(".flash.ok")).ToHaveTextAsync("Saved.");
        var row = page.Locator("#tokens tr[data-token='edited']");
        await Expect(row).ToContainTextAsync("$0.01"); // 5,000 quota at the default 500,000 to the dollar, shown as currency like the logs.
        await Expect(row.Locator("time").First).ToHaveTextAsync("2099-01-02 09:00:00");
        await ShotAsync(page, "34-tokens-edited");
    }

    [Fact]
    public async Task Tokens_ReloadAfterCreating_CreatesNoSecondKey_AndTheKeyIsShownOnce()
    {
        var chromium = browser.RequireBrowser();
        await using var gateway = new GatewayFactory([]);
        gateway.Start();
        await SetUpAsync(gateway);
        await using var context = await NewContextAsync(chromium, gateway);
        var page = await SignInAsync(context);

        await page.GotoAsync("/dashboard/tokens");
        await page.FillAsync("#token-name", "only-once");
        await page.ClickAsync("#token-submit");
        var key = (await page.Locator("#new-token-key").InnerTextAsync()).Trim();
        Assert.StartsWith("sk-", key, StringComparison.Ordinal);
        await Expect(page.Locator("#new-token-curl")).ToContainTextAsync(key);
        Assert.DoesNotContain(key, page.Url, StringComparison.Ordinal);

        // The browser's reload (F5) after creating: no second key, and the full key is not shown again.
        await page.ReloadAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Token management");
        await Expect(page.Locator("#tokens tr[data-token='only-once']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#tokens tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#new-token")).ToHaveCountAsync(0);
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);

        // Back and forward through the history do not bring it back either.
        await page.GotoAsync("/dashboard/logs");
        await page.GoBackAsync();
        await Expect(page.Locator("#tokens tbody tr")).ToHaveCountAsync(1);
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);

        // The key shown is the one stored: the relay takes it, and refuses anything else.
        using var client = gateway.CreateGatewayClient(key);
        using var models = await client.GetAsync("/v1/models", Ct);
        Assert.Equal(200, (int)models.StatusCode);
        using var wrong = gateway.CreateGatewayClient(key + "x");
        using var refused = await wrong.GetAsync("/v1/models", Ct);
        Assert.Equal(401, (int)refused.StatusCode);
    }

    [Fact]
    public async Task Settings_InvalidFieldsShowNextToThemAndSaveNothing_ValidSaves()
    {
        var chromium = browser.RequireBrowser();
        await using var gateway = new GatewayFactory([]);
        gateway.Start();
        await SetUpAsync(gateway);
        await using var context = await NewContextAsync(chromium, gateway);
        var page = await SignInAsync(context);

        await page.GotoAsync("/dashboard/settings");
        foreach (var area in new[] { "general", "quota", "registration", "relay", "logs" })
        {
            await Expect(page.Locator($"#settings-{area} h2")).ToBeVisibleAsync();
        }

        await Expect(page.Locator("#settings-quota [data-option=QuotaPerUnit] .hint").Last).ToContainTextAsync("How much quota one dollar buys");
        await ShotAsync(page, "35-settings");

        await page.FillAsync("#opt-QuotaPerUnit", "lots");
        await page.FillAsync("#opt-ModelRatio", "{\"gpt-4o\": ");
        await page.FillAsync("#opt-TopUpLink", "https://pay.example/");
        await page.ClickAsync("#save-quota");
        await Expect(page.Locator("#settings-quota .field-error[data-field=QuotaPerUnit]")).ToHaveTextAsync("Option 'QuotaPerUnit' must be a whole number from 1 to 1,000,000,000,000.");
        await Expect(page.Locator("#settings-quota .field-error[data-field=ModelRatio]")).ToContainTextAsync("not valid JSON");
        await Expect(page.Locator("#settings-quota .flash.err")).ToContainTextAsync("Nothing was saved");
        await Expect(page.Locator("#opt-TopUpLink")).ToHaveValueAsync("https://pay.example/");
        await ShotAsync(page, "36-settings-errors");

        await page.GotoAsync("/dashboard/settings");
        await Expect(page.Locator("#opt-TopUpLink")).ToHaveValueAsync("");
        await Expect(page.Locator("#opt-QuotaPerUnit")).ToHaveValueAsync("500000");

        await page.FillAsync("#opt-QuotaPerUnit", "1000");
        await page.FillAsync("#opt-ModelRatio", "{\"gpt-4o\": 2.5}");
        await page.SelectOptionAsync("#opt-DisplayInCurrencyEnabled", "false");
        await page.ClickAsync("#save-quota");
        await Expect(page.Locator(".flash.ok")).ToHaveTextAsync("Saved.");
        await Expect(page.Locator("#opt-QuotaPerUnit")).ToHaveValueAsync("1000");
        await Expect(page.Locator("#opt-ModelRatio")).ToHaveValueAsync("{\"gpt-4o\": 2.5}");
        await Expect(page.Locator("#opt-DisplayInCurrencyEnabled")).ToHaveValueAsync("false");

        // Phone width: the forms fit.
        await page.SetViewportSizeAsync(390, 844);
        foreach (var (path, name) in new[] { ("/dashboard/settings", "37-phone-settings"), ("/dashboard/logs", "38-phone-logs"), ("/dashboard/tokens", "39-phone-tokens") })
        {
            await page.GotoAsync(path);
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), $"{path} scrolls sideways at phone width.");
            await ShotAsync(page, name);
        }
    }

    private static UsageLog Row(long userId, string model, DateTimeOffset at, int useTimeMs) => new()
    {
        CreatedAt = at,
        UserId = userId,
        TokenName = "key-1",
        ModelName = model,
        Quota = 42,
        UseTimeMs = useTimeMs,
        StatusCode = 200,
    };

    private static async Task AppendAsync(GatewayFactory gateway, UsageLog[] rows)
    {
        using var scope = gateway.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(rows, Ct);
    }

    private static async Task<long> SetUpAsync(GatewayFactory gateway)
    {
        using var client = gateway.CreateGatewayClient(null);
        using var response = await client.PostAsJsonAsync("/api/setup", new { username = "root", password = Password }, Ct);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(Ct);
        Assert.True(body!["success"]!.GetValue<bool>(), body.ToJsonString());
        return body["data"]!["id"]!.GetValue<long>();
    }

    private static async Task<IBrowserContext> NewContextAsync(IBrowser chromium, GatewayFactory gateway) =>
        await chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            TimezoneId = "Asia/Tokyo",
            AcceptDownloads = true,
        });

    private static async Task<IPage> SignInAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync("/dashboard/login");
        await page.FillAsync("#username", "root");
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Home");
        return page;
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
}
