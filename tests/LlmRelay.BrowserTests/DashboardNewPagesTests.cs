using System.Globalization;
using LlmRelay.Formats;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Pricing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LlmRelay.BrowserTests;

/// <summary>The models and pricing page, the playground and the home charts (issue #15), in headless Chromium against a mock upstream.</summary>
public sealed class DashboardNewPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Model = "gpt-4o-mini";

    // 12 prompt and 30 completion tokens.
    private const string Completion = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the mock"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}
        """;

    // "Hello from the stream" in three chunks, then the usage chunk: 9 prompt and 5 completion tokens.
    private const string Stream = """
        data: {"id":"chatcmpl-pg","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}

        data: {"id":"chatcmpl-pg","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" from"},"finish_reason":null}]}

        data: {"id":"chatcmpl-pg","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" the stream"},"finish_reason":null}]}

        data: {"id":"chatcmpl-pg","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

        data: {"id":"chatcmpl-pg","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":5,"total_tokens":14}}

        data: [DONE]


        """;

    [Fact]
    public async Task ModelsPage_ShowsWhatBillingCharges_AndFollowsAPriceChangeInSettings()
    {
        var chromium = browser.RequireBrowser();
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Completion));
        await using var gateway = await SignedInGateway.StartAsync(Settings.Channel(0, upstream.BaseUrl, [Model, "house-model"], mapping: new() { ["house-model"] = Model }));
        await using var context = await gateway.NewSignedInContextAsync(chromium, 1280);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        var row = page.Locator($"#model-prices tr[data-model='{Model}'][data-group='default']");

        // The built-in price, in dollars (DisplayInCurrencyEnabled is on by default), as billing computes it.
        var pricing = gateway.Gateway.Services.GetRequiredService<ModelPricing>();
        var builtIn = pricing.Resolve(Model);
        await page.GotoAsync("/dashboard");
        await page.ClickAsync("#nav-pricing");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Models and pricing");
        await Expect(row.Locator(".price-in")).ToHaveTextAsync(Usd(pricing.ComputeQuota(builtIn, "default", new TokenUsage { InputTokens = 1_000_000 })));
        await Expect(row.Locator(".price-out")).ToHaveTextAsync(Usd(pricing.ComputeQuota(builtIn, "default", new TokenUsage { OutputTokens = 1_000_000 })));
        await Expect(page.Locator("#model-prices tr[data-model='house-model']")).ToHaveCountAsync(1);
        await ShotAsync(page, "pricing-built-in");

        // Root changes the price in settings: 2.5 x 2 USD per 1M prompt tokens, completion 4 times that.
        await gateway.SetOptionAsync("ModelRatio", """{"gpt-4o-mini":2.5}""");
        await gateway.SetOptionAsync("CompletionRatio", """{"gpt-4o-mini":4}""");
        await page.ReloadAsync();
        await Expect(row.Locator(".price-in")).ToHaveTextAsync("$5.00");
        await Expect(row.Locator(".price-out")).ToHaveTextAsync("$20.00");

        // Without currency display, the same prices in quota.
        await gateway.SetOptionAsync("DisplayInCurrencyEnabled", "false");
        await page.ReloadAsync();
        await Expect(row.Locator(".price-in")).ToHaveTextAsync("2,500,000");
        await Expect(row.Locator(".price-out")).ToHaveTextAsync("10,000,000");
        await gateway.SetOptionAsync("DisplayInCurrencyEnabled", "true");

        // A second change shows at once, and the next call is charged at the price the page shows: (12 + 30 x 4) x 0.5 = 66.
        await gateway.SetOptionAsync("ModelRatio", """{"gpt-4o-mini":0.5}""");
        await page.ReloadAsync();
        await Expect(row.Locator(".price-in")).ToHaveTextAsync("$1.00");
        await Expect(row.Locator(".price-out")).ToHaveTextAsync("$4.00");
        await ShotAsync(page, "pricing-changed");
        var (_, key) = await gateway.CreateKeyAsync("pricing-key");
        await gateway.RelayAsync(key, Model);
        Assert.Equal(66, Assert.Single(await gateway.Gateway.WaitForLogsAsync(1)).Quota);
    }

    [Fact]
    public async Task Playground_StreamsTheAnswerThroughTheGateway_AndShowsTheTokensAndChargeOfItsUsageRow()
    {
        var chromium = browser.RequireBrowser();
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Sse(Stream, chunkSize: 61));
        await using var gateway = await SignedInGateway.StartAsync(Settings.Merge(Settings.Channel(0, upstream.BaseUrl, [Model]), Settings.FlatPrice(Model)));
        var (_, key) = await gateway.CreateKeyAsync("playground-key");
        await using var context = await gateway.NewSignedInContextAsync(chromium, 1280);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);

        await page.GotoAsync("/dashboard");
        await page.ClickAsync("#nav-playground");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Playground");
        await Expect(page.Locator("#pg-model option")).ToHaveTextAsync([Model]);
        await Expect(page.Locator("#pg-token option")).ToContainTextAsync(["playground-key"]);

        // A key that is not the selected one is refused in the page; nothing reaches the upstream.
        await page.FillAsync("#pg-key", "sk-not-the-selected-key-0000000000");
        await page.ClickAsync("#pg-send");
        await Expect(page.Locator("#pg-error")).ToHaveTextAsync("The pasted key is not the selected one.");
        Assert.Empty(upstream.Requests);

        await page.FillAsync("#pg-key", key);
        await page.FillAsync("#pg-message", "Say hello");
        await page.ClickAsync("#pg-send");
        await Expect(page.Locator("#pg-answer")).ToHaveTextAsync("Hello from the stream");
        await Expect(page.Locator("#pg-error")).ToBeHiddenAsync();
        await Expect(page.Locator("#pg-usage-row")).ToBeVisibleAsync();
        await ShotAsync(page, "playground");

        // The browser called the relay itself, streaming, with the key; the page shows the call's own usage row.
        var sent = Assert.Single(upstream.Requests);
        Assert.Contains("\"stream\":true", sent.BodyText, StringComparison.Ordinal);
        Assert.Contains("Say hello", sent.BodyText, StringComparison.Ordinal);
        var log = Assert.Single(await gateway.Gateway.WaitForLogsAsync(1));
        Assert.True(log.IsStream);
        Assert.Equal(14, log.Quota); // 9 + 5 tokens at ratio 1
        Assert.Equal(log.Id.ToString(CultureInfo.InvariantCulture), await page.Locator("#pg-usage-row").GetAttributeAsync("data-log-id"));
        await Expect(page.Locator("#pg-prompt-tokens")).ToHaveTextAsync(log.PromptTokens.ToString(CultureInfo.InvariantCulture));
        await Expect(page.Locator("#pg-completion-tokens")).ToHaveTextAsync(log.CompletionTokens.ToString(CultureInfo.InvariantCulture));
        await Expect(page.Locator("#pg-quota")).ToHaveTextAsync(log.Quota.ToString("N0", CultureInfo.InvariantCulture));
        await Expect(page.Locator("#pg-cost")).ToHaveTextAsync(Usd(log.Quota));
        Assert.Equal(9, log.PromptTokens);
        Assert.Equal(5, log.CompletionTokens);

        // The key never reached a dashboard page or route; it went only to the relay.
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);

        // An upstream failure comes back as the relay's OpenAI-shaped error, shown in the page with its status.
        upstream.Handler = MockUpstream.Json("""{"error":{"message":"upstream is down","type":"server_error"}}""", 500);
        await page.ClickAsync("#pg-send");
        await Expect(page.Locator("#pg-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#pg-error")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^5\d\d: \S"));
        await Expect(page.Locator("#pg-answer")).ToBeEmptyAsync();
        await ShotAsync(page, "playground-error");
    }

    [Fact]
    public async Task Home_ChartsTokensPerModelAndTopKeys_AndItsSnippetsUseServedModels()
    {
        var chromium = browser.RequireBrowser();
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Completion));
        await using var gateway = await SignedInGateway.StartAsync(Settings.Merge(Settings.Channel(0, upstream.BaseUrl, ["house-model", "claude-house"]), Settings.FlatPrice("house-model", "claude-house")));
        var (_, busy) = await gateway.CreateKeyAsync("busy-key");
        var (_, quiet) = await gateway.CreateKeyAsync("quiet-key");
        await gateway.RelayAsync(busy, "house-model");
        await gateway.RelayAsync(busy, "claude-house");
        await gateway.RelayAsync(quiet, "house-model");
        await gateway.Gateway.WaitForLogsAsync(3);

        await using var context = await gateway.NewSignedInContextAsync(chromium, 1280);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync("/dashboard");

        // Tokens per model per day: one bar segment per model today; the top keys by quota, busiest first.
        await Expect(page.Locator("#chart-tokens rect")).ToHaveCountAsync(2);
        await Expect(page.Locator("#chart-tokens rect title").First).ToContainTextAsync("42");
        await Expect(page.Locator("#chart-top-tokens g[data-token]")).ToHaveCountAsync(2);
        Assert.Equal("busy-key", await page.Locator("#chart-top-tokens g[data-token]").First.GetAttributeAsync("data-token"));
        await Expect(page.Locator("#chart-top-tokens g[data-token='busy-key']")).ToContainTextAsync("84 Quota · 84 Tokens");

        // The snippets name models this gateway serves, not a fixed list.
        await Expect(page.Locator("#snippet-curl")).ToContainTextAsync("\"model\": \"claude-house\"");
        await Expect(page.Locator("#snippet-openai")).ToContainTextAsync("model=\"claude-house\"");
        await Expect(page.Locator("#snippet-anthropic")).ToContainTextAsync("model=\"claude-house\"");
        Assert.DoesNotContain("gpt-4o-mini", await page.Locator("#usage-guide").InnerTextAsync(), StringComparison.Ordinal);
        await ShotAsync(page, "home-charts");
    }

    [Fact]
    public async Task DocsAndNewKeySnippets_NameModelsThisGatewayServes()
    {
        var chromium = browser.RequireBrowser();
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Completion));
        await using var gateway = await SignedInGateway.StartAsync(Settings.Channel(0, upstream.BaseUrl, ["house-model", "claude-house", "zz-model"]));
        await using var context = await gateway.NewSignedInContextAsync(chromium, 1280);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);

        // The docs page: the OpenAI-style snippets name the first served model, the Anthropic one a served Claude model.
        await page.GotoAsync("/dashboard/docs");
        foreach (var id in new[] { "#docs-openai", "#docs-openai-stream" })
        {
            await Expect(page.Locator(id)).ToContainTextAsync("model=\"claude-house\"");
        }

        foreach (var id in new[] { "#docs-curl", "#docs-curl-stream" })
        {
            await Expect(page.Locator(id)).ToContainTextAsync("\"model\": \"claude-house\"");
        }

        await Expect(page.Locator("#docs-anthropic")).ToContainTextAsync("model=\"claude-house\"");
        var docs = await page.Locator("main").InnerTextAsync();
        Assert.DoesNotContain("gpt-4o", docs, StringComparison.Ordinal);
        Assert.DoesNotContain("claude-sonnet", docs, StringComparison.Ordinal);
        await ShotAsync(page, "docs-snippets");

        // A new key's snippet names a model that key may call: one its model list allows.
        await page.GotoAsync("/dashboard/tokens");
        await page.FillAsync("#token-name", "limited-key");
        await page.FillAsync("#token-models", "zz-model");
        await page.ClickAsync("#token-submit");
        await Expect(page.Locator("#new-token-curl")).ToContainTextAsync("\"model\": \"zz-model\"");
        await ShotAsync(page, "token-snippet");

        // Without a model list, the first model its group serves; when the key may call none of them, a placeholder.
        await page.FillAsync("#token-name", "any-model-key");
        await page.ClickAsync("#token-submit");
        await Expect(page.Locator("#new-token-curl")).ToContainTextAsync("\"model\": \"claude-house\"");
        await page.FillAsync("#token-name", "unserved-key");
        await page.FillAsync("#token-models", "not-served-here");
        await page.ClickAsync("#token-submit");
        await Expect(page.Locator("#new-token-curl")).ToContainTextAsync("\"model\": \"YOUR_MODEL\"");
        Assert.DoesNotContain("gpt-4o-mini", await page.Locator("#new-token").InnerTextAsync(), StringComparison.Ordinal);
    }

    private static string Usd(long quota) => "$" + (quota / 500_000m).ToString("#,0.00####", CultureInfo.InvariantCulture);

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "pages-" + name + ".png"), FullPage = true });
}
