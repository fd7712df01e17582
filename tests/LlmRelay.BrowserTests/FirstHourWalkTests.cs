using System.Globalization;
using System.Text.RegularExpressions;
using LlmRelay.Formats;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Pricing;
using LlmRelay.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LlmRelay.BrowserTests;

/// <summary>
/// The first hour of a new operator (issue #15, "Done when"), in one walk through headless Chromium on a fresh database:
/// open <c>/</c>, create root, add a channel to a mock upstream and test it, create a key, chat in the playground, find the
/// call in the logs with its elapsed time and cost, change the model's price in settings and see the next call charged at it.
/// </summary>
public sealed class FirstHourWalkTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Model = "gpt-4o-mini";
    private const string Password = "root-password-123";
    private const string KeyName = "first-key";

    /// <summary>How long every upstream call takes by the gateway's clock (a <see cref="FakeTimeProvider"/> the mock advances).</summary>
    private static readonly TimeSpan UpstreamTime = TimeSpan.FromMilliseconds(300);

    private const string Completion = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the mock"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}
        """;

    // The answer's first part; the mock holds the rest back until the test has seen this part in the page.
    private const string StreamHead = """
        data: {"id":"chatcmpl-walk","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}

        data: {"id":"chatcmpl-walk","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" from"},"finish_reason":null}]}


        """;

    // The rest, then the usage: 1000 prompt and 500 completion tokens.
    private const string StreamTail = """
        data: {"id":"chatcmpl-walk","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" the stream"},"finish_reason":null}]}

        data: {"id":"chatcmpl-walk","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

        data: {"id":"chatcmpl-walk","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500}}

        data: [DONE]


        """;

    private static readonly TokenUsage StreamUsage = new() { InputTokens = 1000, OutputTokens = 500 };

    [Fact]
    public async Task FreshGateway_RootChannelKeyPlaygroundLogsAndAPriceChange()
    {
        var chromium = browser.RequireBrowser();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        TaskCompletionSource? hold = null;
        await using var upstream = await MockUpstream.StartAsync(async (context, request) =>
        {
            time.Advance(UpstreamTime);
            if (!request.BodyText.Contains("\"stream\":true", StringComparison.Ordinal))
            {
                await MockUpstream.Json(Completion)(context, request);
                return;
            }

            context.Response.ContentType = "text/event-stream; charset=utf-8";
            await context.Response.WriteAsync(StreamHead, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (hold is { } held)
            {
                await held.Task.WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);
            }

            await context.Response.WriteAsync(StreamTail, context.RequestAborted);
        });

        // A fresh database and nothing configured but the clock; a batch of one usage-log row is written at once
        // (the writer's batching window runs on the gateway's clock, which only the mock moves).
        await using var gateway = new GatewayFactory(
            new Dictionary<string, string?> { ["LlmRelay:UsageLogBatchSize"] = "1" },
            services => services.AddSingleton<TimeProvider>(time));
        gateway.Start();
        var pricing = gateway.Services.GetRequiredService<ModelPricing>();
        await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);

        // Open / : on a fresh database it leads to the dashboard's setup.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/setup$"));
        await ShotAsync(page, "01-setup");
        await page.FillAsync("#username", "root");
        await page.FillAsync("#password", Password);
        await page.FillAsync("#confirm_password", Password);
        await page.ClickAsync("#setup-submit");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/login"));
        await page.FillAsync("#username", "root");
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#current-role")).ToHaveTextAsync("Root");

        // Signed in, / lands on the dashboard's home.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/dashboard/?$"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Home");
        await ShotAsync(page, "02-home");

        // Add a channel to the mock upstream and test it from the channels page.
        await page.ClickAsync("#nav-channels");
        await page.ClickAsync("#add-channel");
        await page.FillAsync("#channel-name", "mock-openai");
        await page.FillAsync("#channel-base-url", upstream.BaseUrl);
        await page.FillAsync("#channel-models", Model);
        await page.FillAsync("#channel-key", "sk-upstream-walk-key");
        await page.ClickAsync("#channel-submit");
        var channel = page.Locator("#channels tr[data-channel='mock-openai']");
        await Expect(channel).ToContainTextAsync(upstream.BaseUrl);
        await channel.Locator("button", new() { HasText = "Test" }).ClickAsync();
        await Expect(page.Locator(".flash.ok")).ToHaveTextAsync("Test passed in 300 ms.");
        await ShotAsync(page, "03-channel-tested");
        var test = Assert.Single(upstream.Requests);
        Assert.Equal("Bearer sk-upstream-walk-key", test.Headers["Authorization"]);

        // Create a key: the full key is shown once.
        await page.ClickAsync("#nav-tokens");
        await page.FillAsync("#token-name", KeyName);
        await page.ClickAsync("#token-submit");
        var key = (await page.Locator("#new-token-key").InnerTextAsync()).Trim();
        Assert.StartsWith("sk-", key, StringComparison.Ordinal);
        await Expect(page.Locator("#new-token-curl")).ToContainTextAsync($"\"model\": \"{Model}\"");
        await ShotAsync(page, "04-key-created");
        await page.ReloadAsync();
        await Expect(page.Locator("#new-token")).ToHaveCountAsync(0);
        await Expect(page.Locator("#tokens tbody tr")).ToHaveCountAsync(1);
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);

        // Chat in the playground with that key: the answer shows while the upstream is still streaming.
        var first = await ChatAsync(gateway, page, key, () => hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), () => hold!.TrySetResult(), "05-playground");
        var builtIn = pricing.ComputeQuota(pricing.Resolve(Model), "default", StreamUsage);
        Assert.Equal(225, builtIn); // the built-in gpt-4o-mini price: ratio 0.075, completion 4: (1000 + 4 x 500) x 0.075
        Assert.Equal(builtIn, first.Quota);
        Assert.Equal(300, first.UseTimeMs);

        // The logs: the call with its tokens, its elapsed time in ms (not seconds labelled ms) and its cost in dollars.
        await page.ClickAsync("#nav-logs");
        await AssertLogRowAsync(page, first.Id, "$0.00045", "300 ms");
        await ShotAsync(page, "06-logs");

        // Change the model's price in settings: ratio 2 (2 x $2 per 1M prompt tokens), completion 3 times that.
        await page.ClickAsync("#nav-settings");
        await page.FillAsync("#opt-ModelRatio", $$"""{"{{Model}}": 2}""");
        await page.FillAsync("#opt-CompletionRatio", $$"""{"{{Model}}": 3}""");
        await page.ClickAsync("#save-quota");
        await Expect(page.Locator(".flash.ok")).ToHaveTextAsync("Saved.");
        await ShotAsync(page, "07-price-changed");

        // The models and pricing page shows it...
        await page.ClickAsync("#nav-pricing");
        var price = page.Locator($"#model-prices tr[data-model='{Model}'][data-group='default']");
        await Expect(price.Locator(".price-in")).ToHaveTextAsync("$4.00");
        await Expect(price.Locator(".price-out")).ToHaveTextAsync("$12.00");
        await ShotAsync(page, "08-pricing");

        // ...and the next playground call is charged at it: (1000 + 3 x 500) x 2 = 5,000 quota, one cent.
        var second = await ChatAsync(gateway, page, key, static () => { }, static () => { }, "09-playground-new-price");
        Assert.Equal(5_000, second.Quota);
        await Expect(page.Locator("#pg-cost")).ToHaveTextAsync("$0.01");
        await page.ClickAsync("#nav-logs");
        await AssertLogRowAsync(page, second.Id, "$0.01", "300 ms");
        await AssertLogRowAsync(page, first.Id, "$0.00045", "300 ms");
        await ShotAsync(page, "10-logs-new-price");

        // The home page's recent logs say the same.
        await page.ClickAsync("#nav-home");
        var recent = page.Locator($"#recent-logs tr[data-log='{second.Id}']");
        await Expect(recent.Locator("td.quota")).ToHaveTextAsync("$0.01");
        await Expect(recent.Locator("td.elapsed")).ToHaveTextAsync("300 ms");
        await ShotAsync(page, "11-home-after-calls");
        Assert.Equal(3, upstream.Requests.Count);
    }

    /// <summary>Sends one playground message with <paramref name="key"/>; between <paramref name="holdStream"/> and <paramref name="releaseStream"/> the upstream has sent only the answer's first part.</summary>
    private static async Task<UsageLog> ChatAsync(GatewayFactory gateway, IPage page, string key, Action holdStream, Action releaseStream, string shot)
    {
        await page.ClickAsync("#nav-playground");
        await Expect(page.Locator("#pg-model")).ToHaveValueAsync(Model);
        await Expect(page.Locator("#pg-token option")).ToContainTextAsync([KeyName]);
        await page.FillAsync("#pg-key", key);
        await page.FillAsync("#pg-message", "Say hello");
        holdStream();
        await page.ClickAsync("#pg-send");
        await Expect(page.Locator("#pg-answer")).ToHaveTextAsync(new Regex("^Hello from"));
        releaseStream();
        await Expect(page.Locator("#pg-answer")).ToHaveTextAsync("Hello from the stream");
        await Expect(page.Locator("#pg-usage-row")).ToBeVisibleAsync();
        await Expect(page.Locator("#pg-prompt-tokens")).ToHaveTextAsync("1000");
        await Expect(page.Locator("#pg-completion-tokens")).ToHaveTextAsync("500");
        await ShotAsync(page, shot);
        var id = long.Parse((await page.Locator("#pg-usage-row").GetAttributeAsync("data-log-id"))!, CultureInfo.InvariantCulture);
        var log = Assert.Single(await gateway.WaitForLogsAsync(1), l => l.Id == id);
        Assert.Equal(KeyName, log.TokenName);
        Assert.True(log.IsStream);
        await Expect(page.Locator("#pg-quota")).ToHaveTextAsync(log.Quota.ToString("N0", CultureInfo.InvariantCulture));
        return log;
    }

    private static async Task AssertLogRowAsync(IPage page, long id, string cost, string elapsed)
    {
        var row = page.Locator($"#logs tr[data-log='{id}']");
        await Expect(row.Locator("td.quota")).ToHaveTextAsync(cost);
        await Expect(row.Locator("td.elapsed")).ToHaveTextAsync(elapsed);
        await Expect(row.Locator("td.tokens")).ToHaveTextAsync("1000 / 500");
        await Expect(row).ToContainTextAsync(Model);
        await Expect(row).ToContainTextAsync(KeyName);
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "walk-" + name + ".png"), FullPage = true });
}
