using Microsoft.Playwright;

namespace LlmRelay.BrowserTests;

/// <summary>Starts headless Chromium from the system (Debian's <c>chromium</c>) through Playwright; never downloads a browser.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser? Browser { get; private set; }

    /// <summary>Gets why the browser is unavailable, or <see langword="null"/> when it started.</summary>
    public string? Unavailable { get; private set; }

    public static string ScreenshotDirectory { get; } = Path.Combine(FindRepoRoot(), "TestResults", "screenshots");

    public async ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        if (!File.Exists(ChromiumPath))
        {
            Unavailable = $"Chromium is not installed at {ChromiumPath}; install it with 'apt-get install -y chromium' (Playwright's browser download is not used).";
            return;
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>Skips the test when Chromium is missing, except on CI (<c>CI=true</c>), where that is a failure.</summary>
    public IBrowser RequireBrowser()
    {
        if (Browser is not null)
        {
            return Browser;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(Unavailable);
        }

        Assert.Skip(Unavailable ?? "Chromium is unavailable.");
        return null!;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    private static string FindRepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmRelay.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}
