using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LlmRelay.BrowserTests;

/// <summary>Every dashboard page at desktop (1280 px) and phone (390 px) width: a screenshot of each in TestResults/screenshots, and nothing wider than the viewport (issue #15).</summary>
public sealed class PageFitTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Model = "gpt-4o-mini";

    /// <summary>
    /// Pages other work owns that overflow at a width today: reported as a known failure (the test is skipped with this
    /// message, after every other page was checked) instead of being fixed here. Remove an entry when its page fits.
    /// </summary>
    private static readonly Dictionary<(string Page, int Width), string> KnownOverflow = new()
    {
    };

    public static TheoryData<int> Widths => new(1280, 390);

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task EveryPage_FitsTheViewportWidth(int width)
    {
        var chromium = browser.RequireBrowser();
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}
            """));
        await using var gateway = await SignedInGateway.StartAsync(Settings.Merge(Settings.Channel(0, upstream.BaseUrl, [Model], name: "mock-openai"), Settings.FlatPrice(Model)));
        var (_, key) = await gateway.CreateKeyAsync("fit-key");
        await gateway.RelayAsync(key, Model);
        await gateway.Gateway.WaitForLogsAsync(1);

        var failures = new List<string>();
        var known = new List<string>();
        await using (var context = await gateway.NewSignedInContextAsync(chromium, width, 844))
        {
            // Rows the pages would otherwise show empty: a redemption code with a long name, the channel's own model capability overrides.
            await ApiAsync(context, HttpMethod.Post, "/api/redemption/", new { name = "a-long-redemption-code-name-for-the-layout", quota = 500_000, count = 2 });
            await ApiAsync(context, HttpMethod.Put, "/api/channel/", new
            {
                id = 1,
                model_capabilities = new Dictionary<string, object>
                {
                    [Model] = new { reasoning = "None", max_output_tokens = 16384, default_output_tokens = 4096, sampling_with_reasoning = false, temperature_or_top_p = true },
                    ["provider-name/some-very-long-model-name-variant-preview-2025-01-01"] = new { reasoning = "Budget", max_output_tokens = 64000 },
                },
            });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(15_000);
            foreach (var (path, name) in new[]
            {
                ("/dashboard", "home"),
                ("/dashboard/models", "models"),
                ("/dashboard/playground", "playground"),
                ("/dashboard/tokens", "tokens"),
                ("/dashboard/logs", "logs"),
                ("/dashboard/tasks", "tasks"),
                ("/dashboard/docs", "docs"),
                ("/dashboard/channels", "channels"),
                ("/dashboard/channels/edit?id=1", "channel-edit"),
                ("/dashboard/groups", "groups"),
                ("/dashboard/groups?name=default", "group-channels"),
                ("/dashboard/users", "users"),
                ("/dashboard/redemptions", "redemptions"),
                ("/dashboard/settings", "settings"),
                ("/status", "status"),
            })
            {
                await CheckAsync(page, path, name, width, failures, known);
            }
        }

        await using (var anonymous = await chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = gateway.BaseUrl, ViewportSize = new ViewportSize { Width = width, Height = 844 } }))
        {
            var page = await anonymous.NewPageAsync();
            page.SetDefaultTimeout(15_000);
            await CheckAsync(page, "/dashboard/login", "login", width, failures, known);
            await CheckAsync(page, "/dashboard/register", "register", width, failures, known);
        }

        // The setup page shows only on a fresh gateway.
        await using (var fresh = new GatewayFactory([]))
        {
            fresh.Start();
            await using var anonymous = await chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = fresh.BaseAddress.ToString().TrimEnd('/'), ViewportSize = new ViewportSize { Width = width, Height = 844 } });
            var page = await anonymous.NewPageAsync();
            page.SetDefaultTimeout(15_000);
            await CheckAsync(page, "/dashboard/setup", "setup", width, failures, known);
        }

        Assert.True(failures.Count == 0, $"Pages wider than the viewport at {width} px:\n" + string.Join('\n', failures));
        if (known.Count > 0)
        {
            Assert.Skip($"Known failure at {width} px, on pages owned by other work (not fixed here):\n" + string.Join('\n', known));
        }
    }

    private static async Task ApiAsync(IBrowserContext context, HttpMethod method, string path, object body)
    {
        var response = await context.APIRequest.FetchAsync(path, new APIRequestContextOptions { Method = method.Method, DataObject = body });
        var text = await response.TextAsync();
        Assert.True(response.Ok && text.Contains("\"success\":true", StringComparison.Ordinal), $"{method} {path}: {text}");
    }

    private static async Task CheckAsync(IPage page, string path, string name, int width, List<string> failures, List<string> known)
    {
        var response = await page.GotoAsync(path);
        Assert.True(response is { Ok: true }, $"{path} answered {response?.Status}");
        await Expect(page.Locator("h1").First).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"fit-{width}-{name}.png"), FullPage = true });

        // The page must not scroll sideways; when it does, name the widest elements (tables scroll inside their own frame).
        var overflow = await page.EvaluateAsync<string>("""
            () => {
              const s = document.scrollingElement;
              if (s.scrollWidth <= window.innerWidth) return "";
              const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !e.parentElement.closest('.table-wrap, pre, svg'))
                .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
                .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : '') + ' (right ' + Math.round(e.getBoundingClientRect().right) + ')');
              return 'scrollWidth ' + s.scrollWidth + ' > ' + window.innerWidth + ': ' + wide.join(', ');
            }
            """);
        if (overflow.Length == 0)
        {
            return;
        }

        var message = $"{name} ({path}): {overflow}";
        if (KnownOverflow.TryGetValue((name, width), out var owner))
        {
            known.Add($"{message} [{owner}]");
        }
        else
        {
            failures.Add(message);
        }
    }
}
