using System.Net;
using LlmRelay.Storage;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The dashboard's log page (issue #15) over real HTTP, on rows appended straight to the gateway's log store.</summary>
public sealed class DashboardLogsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LogsPage_ElapsedTime_ShowsMillisecondsAsMillisecondsAndSecondsAsSeconds()
    {
        await using var h = await ManagementHarness.StartAsync();
        await AppendAsync(h, Row(h.RootId, "fast-model", useTimeMs: 850), Row(h.RootId, "slow-model", useTimeMs: 1500));

        var html = await h.Root.Http.GetStringAsync("/dashboard/logs", Ct);

        Assert.Contains("850 ms", html, StringComparison.Ordinal);
        Assert.Contains("1.5 s", html, StringComparison.Ordinal);
        Assert.DoesNotContain("1ms", html, StringComparison.Ordinal);
        Assert.DoesNotContain("0ms", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsPage_TypeAndContentColumns_ShowErrorsTopUpsAndManagementChanges()
    {
        await using var h = await ManagementHarness.StartAsync();
        await AppendAsync(h,
            Row(h.RootId, "gpt-4o", type: UsageLogType.Error, content: "upstream answered 502", status: 502),
            Row(h.RootId, "", type: UsageLogType.TopUp, quota: 250_000, content: "Redeemed a code"),
            Row(h.RootId, "", type: UsageLogType.Manage, content: "Quota set by root"));

        var html = await h.Root.Http.GetStringAsync("/dashboard/logs", Ct);

        Assert.Matches("""data-type="error"[^>]*>.*?Error</span>.*?\[502\] upstream answered 502""", Flat(html));
        Assert.Matches("""data-type="topup"[^>]*>.*?Top-up</span>.*?\+\$0\.5<.*?Redeemed a code""", Flat(html));
        Assert.Matches("""data-type="manage"[^>]*>.*?Manage</span>.*?Quota set by root""", Flat(html));
    }

    [Fact]
    public async Task LogsPage_AdminChangesToAUser_ShowInTheirLogsAsManagementRows()
    {
        await using var h = await ManagementHarness.StartAsync();
        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/user/", new { id = h.UserId, quota = 5000 })).Success);
        Assert.True((await h.Root.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "disable" })).Success);
        Assert.True((await h.Root.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "enable" })).Success);
        var alice = await h.LoginAsync("alice", ManagementHarness.UserPassword);

        var html = Flat(await alice.Http.GetStringAsync("/dashboard/logs?type=3", Ct));

        Assert.Matches("""data-type="manage"[^>]*>.*?Manage</span>.*?Quota changed from 0 to 5000 by root\.""", html);
        Assert.Contains("Account disabled by root.", html, StringComparison.Ordinal);
        Assert.Contains("Account enabled by root.", html, StringComparison.Ordinal);
        // A management row moves no balance.
        Assert.Equal(5000, (await alice.SendAsync(HttpMethod.Get, "/api/user/self")).Data!["quota"]!.GetValue<long>());
    }

    [Fact]
    public async Task LogsPage_Quota_IsCurrencyWhenDisplayInCurrencyEnabled_AndRawWhenOff()
    {
        await using var h = await ManagementHarness.StartAsync();
        await AppendAsync(h, Row(h.RootId, "gpt-4o", quota: 42));

        // The default: 500,000 quota to the dollar.
        Assert.Contains(">$0.000084<", await h.Root.Http.GetStringAsync("/dashboard/logs", Ct), StringComparison.Ordinal);

        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "DisplayInCurrencyEnabled", value = "false" })).Success);
        var raw = await h.Root.Http.GetStringAsync("/dashboard/logs", Ct);
        Assert.Contains("class=\"quota\" title=\"42\">42<", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("$0.000084", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsPage_DateFilters_AreReadInTheViewersTimeZone()
    {
        await using var h = await ManagementHarness.StartAsync();
        // 09:30 UTC is 18:30 in Tokyo (UTC+9, no daylight saving).
        var at = new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);
        await AppendAsync(h, Row(h.RootId, "tokyo-model", at: at));
        var tokyo = h.NewClient();
        tokyo.Http.DefaultRequestHeaders.Add("Cookie", "llmrelay_tz=Asia/Tokyo");
        var login = await tokyo.SendAsync(HttpMethod.Post, "/api/user/login", new { username = "root", password = ManagementHarness.RootPassword });
        Assert.True(login.Success, login.Message);

        var inside = await tokyo.Http.GetStringAsync("/dashboard/logs?start=2026-03-01T18:00&end=2026-03-01T19:00", Ct);
        Assert.Contains("tokyo-model", inside, StringComparison.Ordinal);
        Assert.Contains("2026-03-01 18:30:00", inside, StringComparison.Ordinal);
        Assert.Contains("datetime=\"2026-03-01T09:30:00Z\"", inside, StringComparison.Ordinal);

        // The same wall-clock window read as UTC misses it; a window in UTC terms finds it.
        var outside = await tokyo.Http.GetStringAsync("/dashboard/logs?start=2026-03-01T09:00&end=2026-03-01T10:00", Ct);
        Assert.DoesNotContain("tokyo-model", outside, StringComparison.Ordinal);
        Assert.Contains("tokyo-model", await h.Root.Http.GetStringAsync("/dashboard/logs?start=2026-03-01T09:00&end=2026-03-01T10:00", Ct), StringComparison.Ordinal);

        using var bad = await tokyo.Http.GetAsync("/dashboard/logs?start=yesterday", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("Query &#x27;start&#x27; must be a date and time", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsPage_Pager_KeepsTheFiltersInItsLinks()
    {
        await using var h = await ManagementHarness.StartAsync();
        await AppendAsync(h, [.. Enumerable.Range(0, 25).Select(i => Row(h.RootId, "paged-model")), Row(h.RootId, "other-model")]);

        var first = await h.Root.Http.GetStringAsync("/dashboard/logs?model_name=paged-model&type=2", Ct);
        Assert.Contains("id=\"page-next\" href=\"/dashboard/logs?type=2&amp;model_name=paged-model&amp;p=2\"", first, StringComparison.Ordinal);
        Assert.Contains("href=\"/dashboard/logs/export?type=2&amp;model_name=paged-model\"", first, StringComparison.Ordinal);

        var second = await h.Root.Http.GetStringAsync("/dashboard/logs?type=2&model_name=paged-model&p=2", Ct);
        Assert.Equal(5, System.Text.RegularExpressions.Regex.Count(second, "<tr data-log="));
        Assert.DoesNotContain("other-model", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsExport_AdminGetsEveryonesFilteredRows_UserOnlyTheirOwn()
    {
        await using var h = await ManagementHarness.StartAsync();
        await AppendAsync(h,
            Row(h.RootId, "gpt-4o", quota: 500_000, content: "root, \"quoted\""),
            Row(h.UserId, "gpt-4o", tokenName: "alice-key", content: "=HYPERLINK(\"http://evil\")"),
            Row(h.UserId, "claude-3", tokenName: "alice-key"));

        using var admin = await h.Admin.Http.GetAsync("/dashboard/logs/export?model_name=gpt-4o", Ct);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal("text/csv", admin.Content.Headers.ContentType!.MediaType);
        Assert.Equal("llmrelay-logs.csv", admin.Content.Headers.ContentDisposition!.FileNameStar ?? admin.Content.Headers.ContentDisposition.FileName);
        var lines = (await admin.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,time,time_utc,type,user,token_name,model,", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains(",consume,root,key-1,gpt-4o,", StringComparison.Ordinal) && l.Contains(",500000,1,", StringComparison.Ordinal) && l.EndsWith(",\"root, \"\"quoted\"\"\"", StringComparison.Ordinal));
        // A cell a spreadsheet would run as a formula is written as text.
        Assert.Contains(lines, l => l.Contains(",alice,alice-key,gpt-4o,", StringComparison.Ordinal) && l.EndsWith(",\"'=HYPERLINK(\"\"http://evil\"\")\"", StringComparison.Ordinal));

        using var user = await h.User.Http.GetAsync("/dashboard/logs/export?username=root", Ct);
        var own = (await user.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, own.Length);
        Assert.All(own.Skip(1), l => Assert.Contains(",alice,alice-key,", l, StringComparison.Ordinal));

        // Signed out: to the login page, no rows.
        using var anonymous = await h.NewClient().Http.GetAsync("/dashboard/logs/export", Ct);
        Assert.DoesNotContain("gpt-4o", await anonymous.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.EndsWith("/dashboard/login", anonymous.RequestMessage!.RequestUri!.AbsolutePath, StringComparison.Ordinal);

        using var bad = await h.User.Http.GetAsync("/dashboard/logs/export?type=9", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task LogsExport_PastTheOld100kCap_HoldsEveryRowOnce_NewestFirst()
    {
        await using var h = await ManagementHarness.StartAsync();
        // 101,234 rows in blocks of 700 sharing one time (more than one page of the export), so pages split ties.
        const int Rows = 101_234;
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        await AppendAsync(h, [.. Enumerable.Range(0, Rows).Select(i => Row(i % 3 == 0 ? h.UserId : h.RootId, "bulk-model", at: start.AddSeconds(i / 700)))]);

        using var response = await h.Admin.Http.GetAsync("/dashboard/logs/export", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Rows + 1, lines.Length);
        var rows = lines.Skip(1).Select(static l => (Id: long.Parse(l[..l.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture), Utc: l.Split(',')[2])).ToList();
        Assert.Equal(Rows, rows.Select(static r => r.Id).Distinct().Count());
        // Newest first: by time, then by id within one time.
        Assert.Equal(rows.OrderByDescending(static r => r.Utc, StringComparer.Ordinal).ThenByDescending(static r => r.Id).Select(static r => r.Id), rows.Select(static r => r.Id));

        // A user's export is their own rows, all of them.
        var own = (await h.User.Http.GetStringAsync("/dashboard/logs/export", Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(((Rows + 2) / 3) + 1, own.Length);
    }

    private static string Flat(string html) => WebUtility.HtmlDecode(html).Replace("\n", " ", StringComparison.Ordinal);

    internal static UsageLog Row(long userId, string model, int useTimeMs = 100, UsageLogType type = UsageLogType.Consume, long quota = 0, string content = "", DateTimeOffset? at = null, string tokenName = "key-1", int status = 200) => new()
    {
        CreatedAt = at ?? DateTimeOffset.UtcNow,
        Type = type,
        UserId = userId,
        TokenName = tokenName,
        ModelName = model,
        Quota = quota,
        UseTimeMs = useTimeMs,
        PromptTokens = 10,
        CompletionTokens = 20,
        Content = content,
        StatusCode = status,
    };

    internal static async Task AppendAsync(ManagementHarness h, params UsageLog[] rows)
    {
        using var scope = h.Gateway.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IUsageLogStore>().AppendAsync(rows, Ct);
    }
}
