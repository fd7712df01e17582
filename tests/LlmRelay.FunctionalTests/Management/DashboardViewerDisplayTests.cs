using LlmRelay.FunctionalTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The dashboard shows amounts and times as the viewer reads them (issue #15): the home cards as currency like the logs page, and the redemption and key-status times in the viewer's zone.</summary>
public sealed class DashboardViewerDisplayTests
{
    // 09:30 UTC today is 18:30 in Tokyo (UTC+9, no daylight saving): a server in UTC (or anywhere but Tokyo) renders another time.
    // Today, not a fixed date: the session cookies the fake clock dates must not have expired by the real clock.
    private static readonly DateTimeOffset At = new(DateTime.UtcNow.Date.AddHours(9.5), TimeSpan.Zero);

    private static string AtUtc => At.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + "T09:30:00Z";

    private static string AtTokyo => At.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + " 18:30:00";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HomePage_SummaryCards_AreCurrencyWhenDisplayInCurrencyEnabled_AndRawWhenOff()
    {
        await using var h = await ManagementHarness.StartAsync(userQuota: 1_000_000);
        await DashboardLogsTests.AppendAsync(h, DashboardLogsTests.Row(h.UserId, "gpt-4o", quota: 250_000, at: DateTimeOffset.UtcNow));

        // The row is charged to alice: 750,000 left of 1,000,000, 250,000 used. The default: 500,000 quota to the dollar, as on the logs page.
        var html = await h.User.Http.GetStringAsync("/dashboard", Ct);
        Assert.Contains("id=\"available-quota\">$1.5<", html, StringComparison.Ordinal);
        Assert.Contains("id=\"used-quota\">$0.5<", html, StringComparison.Ordinal);
        Assert.Contains("id=\"recent-quota\">$0.5<", html, StringComparison.Ordinal);
        Assert.Contains("class=\"quota\">$0.5<", html, StringComparison.Ordinal);

        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "DisplayInCurrencyEnabled", value = "false" })).Success);
        var raw = await h.User.Http.GetStringAsync("/dashboard", Ct);
        Assert.Contains("id=\"available-quota\">750,000<", raw, StringComparison.Ordinal);
        Assert.Contains("id=\"used-quota\">250,000<", raw, StringComparison.Ordinal);
        Assert.Contains("id=\"recent-quota\">250,000<", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokensUsersAndRedemptionsTables_ShowQuotaAsCurrencyWhenDisplayInCurrencyEnabled_AndRawWhenOff()
    {
        await using var h = await ManagementHarness.StartAsync(userQuota: 1_000_000);
        var token = await h.User.SendAsync(HttpMethod.Post, "/api/token/", new { name = "currency-key", remain_quota = 250_000, unlimited_quota = false });
        Assert.True(token.Success, token.Text);
        var code = await h.Root.SendAsync(HttpMethod.Post, "/api/redemption/", new { name = "currency-code", quota = 1_500_000, count = 1 });
        Assert.True(code.Success, code.Text);

        // The default: 500,000 quota to the dollar, as on the logs page and the home cards.
        var tokens = await h.User.Http.GetStringAsync("/dashboard/tokens", Ct);
        Assert.Contains("class=\"quota\">$0.5<", tokens, StringComparison.Ordinal);
        var users = await h.Root.Http.GetStringAsync("/dashboard/users", Ct);
        Assert.Contains("class=\"quota\">$2<", users, StringComparison.Ordinal);
        var codes = await h.Root.Http.GetStringAsync("/dashboard/redemptions", Ct);
        Assert.Contains("class=\"quota\">$3<", codes, StringComparison.Ordinal);

        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "DisplayInCurrencyEnabled", value = "false" })).Success);
        Assert.Contains("class=\"quota\">250,000<", await h.User.Http.GetStringAsync("/dashboard/tokens", Ct), StringComparison.Ordinal);
        Assert.Contains("class=\"quota\">1,000,000<", await h.Root.Http.GetStringAsync("/dashboard/users", Ct), StringComparison.Ordinal);
        Assert.Contains("class=\"quota\">1,500,000<", await h.Root.Http.GetStringAsync("/dashboard/redemptions", Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedemptionsPage_CreatedAt_IsInTheViewersTimeZone()
    {
        var time = new FakeTimeProvider(At);
        await using var h = await ManagementHarness.StartAsync(configureServices: services => services.AddSingleton<TimeProvider>(time));
        var created = await h.Root.SendAsync(HttpMethod.Post, "/api/redemption/", new { name = "tokyo-code", quota = 1000, count = 1 });
        Assert.True(created.Success, created.Text);
        var tokyo = await TokyoRootAsync(h);

        var html = await tokyo.Http.GetStringAsync("/dashboard/redemptions", Ct);

        Assert.Contains("tokyo-code", html, StringComparison.Ordinal);
        Assert.Contains($"<time datetime=\"{AtUtc}\" data-local>{AtTokyo}</time>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChannelKeyStatus_AutoDisabledTime_IsInTheViewersTimeZone()
    {
        var time = new FakeTimeProvider(At);
        await using var upstream = await MockUpstream.StartAsync((context, request) => request.Headers["Authorization"] == "Bearer sk-good"
            ? MockUpstream.Json("""{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""")(context, request)
            : MockUpstream.Json("""{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}""", 401)(context, request));
        await using var h = await ManagementHarness.StartAsync(Settings.Token(), configureServices: services => services.AddSingleton<TimeProvider>(time));
        var created = await h.Root.SendAsync(HttpMethod.Post, "/api/channel/", new
        {
            mode = "multi_to_single",
            channel = new { name = "pool", type = "openai", base_url = upstream.BaseUrl, key = "sk-bad\nsk-good", models = new[] { "m" } },
        });
        Assert.True(created.Success, created.Text);
        var id = created.Data![0]!["id"]!.GetValue<long>();
        using (var client = h.Gateway.CreateGatewayClient(Settings.Key))
        {
            for (var i = 0; i < 2; i++)
            {
                using var body = new StringContent("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json");
                // The call that meets the bad key fails (the relay disables the key); the one after it is served by the good key.
                using var response = await client.PostAsync("/v1/chat/completions", body, Ct);
            }
        }

        var tokyo = await TokyoRootAsync(h);
        var html = await tokyo.Http.GetStringAsync($"/dashboard/channels/edit?id={id}", Ct);

        Assert.Contains("data-key-status=\"3\"", html, StringComparison.Ordinal);
        Assert.Contains($"<time datetime=\"{AtUtc}\" data-local>{AtTokyo}</time>", html, StringComparison.Ordinal);
    }

    private static async Task<ApiClient> TokyoRootAsync(ManagementHarness h)
    {
        var tokyo = h.NewClient();
        tokyo.Http.DefaultRequestHeaders.Add("Cookie", "llmrelay_tz=Asia/Tokyo");
        var login = await tokyo.SendAsync(HttpMethod.Post, "/api/user/login", new { username = "root", password = ManagementHarness.RootPassword });
        Assert.True(login.Success, login.Message);
        return tokyo;
    }
}
