using System.Text.RegularExpressions;
using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LlmRelay.BrowserTests;

/// <summary>The dashboard's channels pages in headless Chromium (issue #15): layout at 1280 px, test all, batch actions, inline priority and weight, delete, fetched models, key status.</summary>
public sealed class ChannelsPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Model = "gpt-4o-mini";
    private const string Password = "root-password-123";
    private const string GoodKey = "sk-good-0123456789abcdef";
    private const string BadKey = "sk-bad-0123456789abcdef";

    private const string Completion = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the mock"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}
        """;

    private const string InvalidKey = """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}""";
    private const string ModelList = """{"object":"list","data":[{"id":"gpt-4o","object":"model"},{"id":"gpt-4o-mini","object":"model"}]}""";

    [Fact]
    public async Task Channel_list_fits_1280px_tests_all_edits_inline_and_acts_on_the_selection()
    {
        var chromium = browser.RequireBrowser();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var upstream = await MockUpstream.StartAsync(Upstream(time));
        await using var gateway = new GatewayFactory(Settings.FlatPrice(Model), services => services.AddSingleton<TimeProvider>(time));
        gateway.Start();
        var (context, page) = await SignInAsync(chromium, gateway);
        await using var _ = context;

        // Many channels with long names, groups, base URLs and model lists; two of them, first in the list, really answer.
        await CreateChannelAsync(page, "good", upstream.BaseUrl, GoodKey, [Model], priority: 10);
        await CreateChannelAsync(page, "bad", upstream.BaseUrl, BadKey, [Model], priority: 10);
        for (var i = 0; i < 22; i++)
        {
            await CreateChannelAsync(
                page,
                $"a-channel-with-a-rather-long-descriptive-name-number-{i:00}-for-layout",
                upstream.BaseUrl + "/a/rather/long/path/segment/that/keeps/going/for/the/layout/check",
                GoodKey,
                [Model, .. Enumerable.Range(0, 30).Select(static j => $"provider-name/some-very-long-model-name-variant-{j}-preview-2025-01-01")],
                group: "default,premium-customers-with-a-long-group-name");
        }

        await page.GotoAsync("/dashboard/channels");
        await Expect(page.Locator("#channels tbody tr")).ToHaveCountAsync(20);
        await AssertNoOverflowAsync(page, "channels list");
        await ShotAsync(page, "30-channels-1280");

        // Test all: each enabled channel's outcome and time (the upstream takes 120 ms by the gateway's clock).
        await page.ClickAsync("#test-all");
        await Expect(page.Locator(".flash.ok")).ToContainTextAsync("23 of 24 channels passed.");
        await Expect(page.Locator("#test-results tbody tr")).ToHaveCountAsync(24);
        var good = page.Locator("#test-results tr[data-channel='good']");
        await Expect(good).ToContainTextAsync("passed");
        await Expect(good.Locator("td.ms")).ToHaveTextAsync("120 ms");
        var bad = page.Locator("#test-results tr[data-channel='bad']");
        await Expect(bad).ToContainTextAsync("failed");
        await Expect(bad).ToContainTextAsync("Incorrect API key");
        await Expect(page.Locator("#channels tr[data-channel='good'] .ms")).ToHaveTextAsync("120 ms");
        await AssertNoOverflowAsync(page, "test results");
        await ShotAsync(page, "31-channels-test-all");

        // Priority and weight, edited on the list.
        var row = page.Locator("#channels tr[data-channel='good']");
        await row.Locator("input[name=priority]").FillAsync("20");
        await row.Locator("input[name=weight]").FillAsync("5");
        await row.Locator("form.inline-edit button").ClickAsync();
        await Expect(page.Locator(".flash.ok")).ToHaveTextAsync("Saved.");
        await Expect(row.Locator("input[name=priority]")).ToHaveValueAsync("20");
        await Expect(row.Locator("input[name=weight]")).ToHaveValueAsync("5");
        await row.Locator("input[name=weight]").FillAsync("-1");
        await row.Locator("form.inline-edit button").ClickAsync();
        await Expect(page.Locator(".flash.err")).ToContainTextAsync("Field 'weight'");
        await page.GotoAsync("/dashboard/channels");

        // Select all picks every row of the page; then disable two selected channels.
        await page.CheckAsync("#select-all");
        await Expect(page.Locator("#channels input.pick:checked")).ToHaveCountAsync(20);
        await page.UncheckAsync("#select-all");
        await Expect(page.Locator("#channels input.pick:checked")).ToHaveCountAsync(0);
        await Pick(page, "good").CheckAsync();
        await Pick(page, "bad").CheckAsync();
        await page.ClickAsync("#batch-disable");
        await Expect(page.Locator(".flash.ok")).ToHaveTextAsync("2 channels changed.");
        await Expect(page.Locator("#channels tr[data-channel='good'] .badge.off")).ToHaveTextAsync("Disabled");
        await Expect(page.Locator("#channels tr[data-channel='bad'] .badge.off")).ToHaveTextAsync("Disabled");

        // Testing the selection tests disabled channels too, and only those.
        await Pick(page, "bad").CheckAsync();
        await page.ClickAsync("#batch-test");
        await Expect(page.Locator("#test-results tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#test-results tr[data-channel='bad']")).ToContainTextAsync("failed");

        await Pick(page, "good").CheckAsync();
        await Pick(page, "bad").CheckAsync();
        await page.ClickAsync("#batch-enable");
        await Expect(page.Locator(".flash.ok")).ToHaveTextAsync("2 channels changed.");
        await Expect(page.Locator("#channels tr[data-channel='good'] .badge.on")).ToHaveTextAsync("Enabled");

        // Deleting the selection asks first: dismissed, nothing goes; accepted, the channel goes.
        await Pick(page, "bad").CheckAsync();
        page.Dialog += DismissOnce;
        await page.ClickAsync("#batch-delete");
        await Expect(page.Locator("#channels tr[data-channel='bad']")).ToHaveCountAsync(1);
        page.Dialog -= DismissOnce;
        page.Dialog += AcceptOnce;
        await page.ClickAsync("#batch-delete");
        await Expect(page.Locator(".flash.ok")).ToHaveTextAsync("1 channels deleted.");
        await Expect(page.Locator("#channels tr[data-channel='bad']")).ToHaveCountAsync(0);

        // One row's delete asks too, naming the channel.
        string? asked = null;
        page.Dialog -= AcceptOnce;
        page.Dialog += async (_, dialog) =>
        {
            asked = dialog.Message;
            await dialog.AcceptAsync();
        };
        await page.Locator("#channels tr[data-channel='good'] button.danger").ClickAsync();
        await Expect(page.Locator(".flash.ok")).ToHaveTextAsync("Deleted.");
        await Expect(page.Locator("#channels tr[data-channel='good']")).ToHaveCountAsync(0);
        Assert.Equal("Delete channel \"good\"?", asked);
        await Expect(page.Locator("#channels tbody tr")).ToHaveCountAsync(20);
        await AssertNoOverflowAsync(page, "channels list after changes");

        static async void DismissOnce(object? sender, IDialog dialog) => await dialog.DismissAsync();
        static async void AcceptOnce(object? sender, IDialog dialog) => await dialog.AcceptAsync();
    }

    [Fact]
    public async Task Channel_form_fetches_models_and_the_key_status_shows_and_reenables_an_auto_disabled_key()
    {
        var chromium = browser.RequireBrowser();
        await using var upstream = await MockUpstream.StartAsync(Upstream(null));
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Token(), Settings.FlatPrice(Model)));
        gateway.Start();
        var (context, page) = await SignInAsync(chromium, gateway);
        await using var _ = context;

        // A new multi-key channel: the models come from the upstream into the form, and the typed keys stay.
        await page.GotoAsync("/dashboard/channels/edit");
        await page.FillAsync("#channel-name", "pool");
        await page.FillAsync("#channel-base-url", upstream.BaseUrl);
        await page.FillAsync("#channel-key", BadKey + "\n" + GoodKey);
        await page.ClickAsync("#fetch-models");
        await Expect(page.Locator("#channel-models")).ToHaveValueAsync("gpt-4o,gpt-4o-mini");
        await Expect(page.Locator("#fetch-models-status")).ToContainTextAsync("Fetched 2 models");
        await Expect(page.Locator("#channel-key")).ToHaveValueAsync(BadKey + "\n" + GoodKey);
        Assert.Equal("Bearer " + BadKey, Assert.Single(upstream.Requests).Headers["Authorization"]);
        await ShotAsync(page, "32-channel-fetched-models");

        // A base URL that is not one is refused in place, without a call upstream.
        await page.FillAsync("#channel-base-url", "not a url");
        await page.ClickAsync("#fetch-models");
        await Expect(page.Locator("#fetch-models-status")).ToContainTextAsync("Field 'base_url' must be an absolute http or https URL.");
        Assert.Single(upstream.Requests);
        await page.FillAsync("#channel-base-url", upstream.BaseUrl);

        await page.ClickAsync("#channel-submit");
        await Expect(page.Locator("#channels tr[data-channel='pool']")).ToContainTextAsync("gpt-4o-mini");

        // The relay meets the bad key, which it disables; the list says so and the channel page shows why and when.
        using (var client = gateway.CreateGatewayClient(Settings.Key))
        {
            for (var i = 0; i < 2; i++)
            {
                using var body = new StringContent($$"""{"model":"{{Model}}","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json");
                using var response = await client.PostAsync("/v1/chat/completions", body, TestContext.Current.CancellationToken);
            }
        }

        await page.GotoAsync("/dashboard/channels");
        await Expect(page.Locator("#channels tr[data-channel='pool'] .keys-off")).ToHaveTextAsync("1 keys off");
        await page.ClickAsync("#channels tr[data-channel='pool'] .keys-off");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/channels/edit\\?id=\\d+#keys$"));
        var off = page.Locator("#channel-keys tr[data-key-status='3']");
        await Expect(off).ToHaveCountAsync(1);
        await Expect(off).ToContainTextAsync("401");
        await Expect(off).ToContainTextAsync("disabled by the relay");
        await Expect(off.Locator("td").Nth(4)).ToHaveTextAsync(new Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"));
        await Expect(page.Locator("#channel-keys")).Not.ToContainTextAsync(BadKey);
        await Expect(page.Locator("#channel-keys tr[data-key-status='1']")).ToHaveCountAsync(1);
        await AssertNoOverflowAsync(page, "channel edit page");
        await ShotAsync(page, "33-channel-key-status");

        // Enabled again from the page: the relay uses it from the next request.
        await off.Locator("button").ClickAsync();
        await Expect(page.Locator(".flash.ok")).ToHaveTextAsync("Saved.");
        await Expect(page.Locator("#channel-keys tr[data-key-status='1']")).ToHaveCountAsync(2);
        await page.GotoAsync("/dashboard/channels");
        await Expect(page.Locator("#channels tr[data-channel='pool'] .keys-off")).ToHaveCountAsync(0);
    }

    /// <summary>Lists models on <c>/models</c>; answers chat with the good key and refuses the bad one, taking 120 ms by <paramref name="time"/> when given.</summary>
    private static Func<HttpContext, RecordedRequest, Task> Upstream(FakeTimeProvider? time) => (context, request) =>
    {
        if (request.PathAndQuery.EndsWith("/models", StringComparison.Ordinal))
        {
            return MockUpstream.Json(ModelList)(context, request);
        }

        time?.Advance(TimeSpan.FromMilliseconds(120));
        return request.Headers["Authorization"] == "Bearer " + GoodKey
            ? MockUpstream.Json(Completion)(context, request)
            : MockUpstream.Json(InvalidKey, 401)(context, request);
    };

    private static async Task<(IBrowserContext Context, IPage Page)> SignInAsync(IBrowser chromium, GatewayFactory gateway)
    {
        var context = await chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync("/dashboard/setup");
        await page.FillAsync("#username", "root");
        await page.FillAsync("#password", Password);
        await page.FillAsync("#confirm_password", Password);
        await page.ClickAsync("#setup-submit");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/login"));
        await page.FillAsync("#username", "root");
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#current-role")).ToHaveTextAsync("Root");
        return (context, page);
    }

    /// <summary>Creates a channel through the management API with the page's session (the setup of a test, not what it proves).</summary>
    private static async Task CreateChannelAsync(IPage page, string name, string baseUrl, string key, string[] models, long priority = 0, string group = "default")
    {
        var response = await page.APIRequest.PostAsync("/api/channel/", new APIRequestContextOptions
        {
            DataObject = new { name, type = "openai", base_url = baseUrl, key, models = string.Join(',', models), group, priority },
        });
        Assert.True(response.Ok, await response.TextAsync());
    }

    private static ILocator Pick(IPage page, string channel) => page.Locator($"#channels tr[data-channel='{channel}'] input.pick");

    /// <summary>Asserts that neither the page nor any table frame scrolls sideways (scrollWidth against clientWidth).</summary>
    private static async Task AssertNoOverflowAsync(IPage page, string what)
    {
        var wide = await page.EvaluateAsync<string>("""
            () => [document.documentElement, ...document.querySelectorAll('.table-wrap')]
              .filter(e => e.scrollWidth > e.clientWidth + 1)
              .map(e => (e.id || e.tagName) + ' ' + (e.querySelector('table') ? e.querySelector('table').id : '') + ' ' + e.scrollWidth + '>' + e.clientWidth).join(', ')
            """);
        Assert.True(wide.Length == 0, $"The {what} overflows sideways at {page.ViewportSize?.Width} px: {wide}");
    }

    /// <summary>Saves the whole page, and the first screen of it (where the layout is easiest to judge).</summary>
    private static async Task ShotAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + "-top.png") });
    }
}
