using System.Net;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Storage.EfCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmRelay.FunctionalTests.Hosting;

/// <summary>A new operator's first minute (issue #15): <c>GET /</c> and the start-up log line, on real Kestrel.</summary>
public sealed class FirstRunTests
{
    private const int ReadyEventId = 3201;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpClient NoRedirects(Uri baseAddress) => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress };

    // The gateway's logs stop at Warning; the start-up line is Information in its own category.
    private static Action<IServiceCollection> Capture(CapturingLoggerProvider logs) => services =>
    {
        services.AddSingleton<ILoggerProvider>(logs);
        services.Configure<LoggerFilterOptions>(static o => o.AddFilter("LlmRelay.Hosting", LogLevel.Information));
    };

    // The line is logged by an ApplicationStarted callback, which can still be running when Start() returns: wait for it.
    private static async Task<string> ReadyLineAsync(CapturingLoggerProvider logs)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!logs.Entries.Any(static e => e.Event.Id == ReadyEventId) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }

        return Assert.Single(logs.Entries, static e => e.Event.Id == ReadyEventId).Text;
    }

    [Fact]
    public async Task Root_DashboardEnabled_RedirectsToTheDashboard()
    {
        await using var gateway = new GatewayFactory(Settings.Token());
        gateway.Start();
        using var client = NoRedirects(gateway.BaseAddress);

        using var root = await client.GetAsync("/", Ct);
        using var dashboard = await client.GetAsync(root.Headers.Location!, Ct);

        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/dashboard", root.Headers.Location!.OriginalString);
        Assert.True(dashboard.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, $"/dashboard answered {dashboard.StatusCode}");
        Assert.NotEqual(HttpStatusCode.NotFound, dashboard.StatusCode);
    }

    [Fact]
    public async Task Root_DashboardDisabled_NamesTheApiBaseUrlAndHealth()
    {
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Token(), new() { ["LlmRelay:Dashboard:Enabled"] = "false" }));
        gateway.Start();
        using var client = NoRedirects(gateway.BaseAddress);

        using var root = await client.GetAsync("/", Ct);
        var page = await root.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal("text/html", root.Content.Headers.ContentType!.MediaType);
        var origin = gateway.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.Contains($"{origin}/v1<", page, StringComparison.Ordinal);
        Assert.Contains($"{origin}/anthropic<", page, StringComparison.Ordinal);
        Assert.Contains($"{origin}/healthz<", page, StringComparison.Ordinal);
        Assert.DoesNotContain("/status", page, StringComparison.Ordinal); // not mapped without the dashboard
    }

    [Fact]
    public async Task Root_DashboardServedAtTheRoot_IsTheDashboardAndTheLogSaysSo()
    {
        var logs = new CapturingLoggerProvider();
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Token(), new() { ["LlmRelay:Dashboard:PathBase"] = "/" }), Capture(logs));
        gateway.Start();
        using var client = NoRedirects(gateway.BaseAddress);

        using var root = await client.GetAsync("/", Ct);

        // MapLlmRelayHome maps nothing here: the dashboard's own home answers (a fresh database sends it to setup).
        Assert.True(root.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, $"/ answered {root.StatusCode}");
        Assert.NotEqual("/dashboard", root.Headers.Location?.OriginalString);
        Assert.Contains($"dashboard: {gateway.BaseAddress.GetLeftPart(UriPartial.Authority)}/;", await ReadyLineAsync(logs), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartupLog_NamesTheApiDashboardAndStatusUrls_FromTheBoundAddress()
    {
        var logs = new CapturingLoggerProvider();
        await using var gateway = new GatewayFactory(Settings.Token(), Capture(logs));
        gateway.Start();

        var line = await ReadyLineAsync(logs);
        var origin = gateway.BaseAddress.GetLeftPart(UriPartial.Authority);

        Assert.Contains($"API base URL: {origin}/v1;", line, StringComparison.Ordinal);
        Assert.Contains($"dashboard: {origin}/dashboard;", line, StringComparison.Ordinal);
        Assert.Contains($"status page: {origin}/status", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartupLog_DashboardDisabled_SaysSo()
    {
        var logs = new CapturingLoggerProvider();
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Token(), new() { ["LlmRelay:Dashboard:Enabled"] = "false" }), Capture(logs));
        gateway.Start();

        var line = await ReadyLineAsync(logs);

        Assert.Contains("dashboard: not enabled; status page: not enabled", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppWithItsOwnRoot_KeepsIt_AndTheHomeFollowsTheGroupPrefix()
    {
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Information);
        builder.Services.AddLlmRelay(static _ => { }).AddInMemoryStores();
        await using var app = builder.Build();
        app.MapGet("/", static () => "the app's own home");
        app.MapGroup("/llm").MapLlmRelay();
        app.MapGroup("/llm").MapLlmRelayHome();
        await app.StartAsync(Ct);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var client = NoRedirects(address);

        var own = await client.GetStringAsync("/", Ct);
        var home = await client.GetStringAsync("/llm", Ct);

        Assert.Equal("the app's own home", own);
        Assert.Contains($"{address.GetLeftPart(UriPartial.Authority)}/llm/v1<", home, StringComparison.Ordinal);
        Assert.Contains($"API base URL: {address.GetLeftPart(UriPartial.Authority)}/llm/v1;", await ReadyLineAsync(logs), StringComparison.Ordinal);
        await app.StopAsync(Ct);
    }
}
