using System.Net;
using LlmRelay.Usage;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The dashboard's settings forms (issue #15): one per area, checked whole, saved all or nothing.</summary>
public sealed class DashboardSettingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> QuotaForm(string perUnit = "500000", string modelRatio = "{}", string topUp = "") => new()
    {
        ["section"] = "quota",
        ["QuotaPerUnit"] = perUnit,
        ["DisplayInCurrencyEnabled"] = "true",
        ["TopUpLink"] = topUp,
        ["ModelRatio"] = modelRatio,
        ["CompletionRatio"] = "{}",
        ["GroupRatio"] = """{"default":1}""",
    };

    [Fact]
    public async Task SettingsPage_GroupsOptionsByArea_WithHelpText()
    {
        await using var h = await ManagementHarness.StartAsync();
        var html = await h.Root.Http.GetStringAsync("/dashboard/settings", Ct);

        foreach (var (area, option) in new[] { ("general", "SystemName"), ("quota", "ModelRatio"), ("registration", "RegisterEnabled"), ("relay", "UserUsableGroups") })
        {
            Assert.Matches($"id=\"settings-{area}\"(?s:(?!<section).)*data-option=\"{option}\"", html);
        }

        Assert.Contains("id=\"settings-logs\"", html, StringComparison.Ordinal);
        Assert.Contains("How much quota one dollar buys", html, StringComparison.Ordinal);
        // Every option the API lists is on the page, none in an "other" form.
        Assert.DoesNotContain("id=\"settings-other\"", html, StringComparison.Ordinal);
        var listed = (await h.Root.SendAsync(HttpMethod.Get, "/api/option/")).Data!.AsArray().Select(static o => o!["key"]!.GetValue<string>()).ToList();
        Assert.NotEmpty(listed);
        Assert.All(listed, key => Assert.Contains($"data-option=\"{key}\"", html, StringComparison.Ordinal));

        // Only root opens it.
        using var admin = await h.Admin.Http.GetAsync("/dashboard/settings", Ct);
        Assert.EndsWith("/dashboard/", admin.RequestMessage!.RequestUri!.AbsolutePath.TrimEnd('/') + "/", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.Admin, "/", "/settings", QuotaForm(perUnit: "7")));
        Assert.Equal("500000", await OptionAsync(h, "QuotaPerUnit"));
    }

    [Fact]
    public async Task SettingsForm_InvalidFields_ShowTheirErrors_AndSaveNothing()
    {
        await using var h = await ManagementHarness.StartAsync();

        using var response = await DashboardForm.SendAsync(h.Root, "/settings", "/settings", QuotaForm(perUnit: "0", modelRatio: "{\"gpt-4o\": ", topUp: "https://pay.example/top-up"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(Ct));
        // The option's own rules, the same PUT /api/option/ applies (OptionValidationTests).
        Assert.Contains("data-field=\"QuotaPerUnit\">Option 'QuotaPerUnit' must be a whole number from 1 to 1,000,000,000,000.", html, StringComparison.Ordinal);
        Assert.Contains("data-field=\"ModelRatio\">Option 'ModelRatio' must be a JSON object of non-negative numbers; not valid JSON", html, StringComparison.Ordinal);
        Assert.Contains("Nothing was saved", html, StringComparison.Ordinal);
        // The posted values stay in the form to be corrected.
        Assert.Contains("id=\"opt-TopUpLink\" inputmode=\"url\" value=\"https://pay.example/top-up\"", html, StringComparison.Ordinal);

        // The valid field of the same form was not stored either.
        Assert.Equal("", await OptionAsync(h, "TopUpLink"));
        Assert.Equal("500000", await OptionAsync(h, "QuotaPerUnit"));

        // The option's own check (ratios are non-negative numbers) also lands next to its field.
        using var negative = await DashboardForm.SendAsync(h.Root, "/settings", "/settings", QuotaForm(modelRatio: """{"gpt-4o": -1}""", topUp: "https://pay.example/top-up"));
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Contains("data-field=\"ModelRatio\">Option &#x27;ModelRatio&#x27; must be a JSON object of non-negative numbers.", await negative.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("", await OptionAsync(h, "TopUpLink"));

        foreach (var (field, value, message) in new[] { ("TopUpLink", "javascript:alert(1)", "Option &#x27;TopUpLink&#x27; must be an absolute http"), ("QuotaPerUnit", "12abc", "Option &#x27;QuotaPerUnit&#x27; must be a whole number from 1") })
        {
            var form = QuotaForm();
            form[field] = value;
            using var refused = await DashboardForm.SendAsync(h.Root, "/settings", "/settings", form);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains($"data-field=\"{field}\">{message}", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SettingsForm_ValidArea_SavesEveryField()
    {
        await using var h = await ManagementHarness.StartAsync();

        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.Root, "/settings", "/settings", QuotaForm(perUnit: " 1000 ", modelRatio: """{"gpt-4o": 2.5}""", topUp: "https://pay.example/")));

        Assert.Equal("1000", await OptionAsync(h, "QuotaPerUnit"));
        Assert.Equal("""{"gpt-4o": 2.5}""", await OptionAsync(h, "ModelRatio"));
        Assert.Equal("https://pay.example/", await OptionAsync(h, "TopUpLink"));

        // Browsers post text areas with CRLF line ends; they are stored as LF, as the page shows them.
        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.Root, "/settings", "/settings", QuotaForm(perUnit: "1000", modelRatio: "{\r\n  \"gpt-4o\": 3\r\n}", topUp: "https://pay.example/")));
        Assert.Equal("{\n  \"gpt-4o\": 3\n}", await OptionAsync(h, "ModelRatio"));

        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.Root, "/settings", "/settings", new()
        {
            ["section"] = "registration",
            ["RegisterEnabled"] = "false",
            ["PasswordLoginEnabled"] = "true",
            ["QuotaForNewUser"] = "250",
            ["QuotaForInviter"] = "0",
        }));
        Assert.Equal("false", await OptionAsync(h, "RegisterEnabled"));
        Assert.Equal("250", await OptionAsync(h, "QuotaForNewUser"));

        using var unknown = await DashboardForm.SendAsync(h.Root, "/settings", "/settings", new() { ["section"] = "nope" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task LogsArea_DeletesRowsBeforeTheChosenTime()
    {
        await using var h = await ManagementHarness.StartAsync();
        await DashboardLogsTests.AppendAsync(h,
            DashboardLogsTests.Row(h.RootId, "old-model", at: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            DashboardLogsTests.Row(h.RootId, "new-model", at: new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        using var empty = await DashboardForm.SendAsync(h.Root, "/settings", "/settings/logs/delete", new() { ["before"] = "" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("data-field=\"before\"", await empty.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var deleted = await DashboardForm.SendAsync(h.Root, "/settings", "/settings/logs/delete", new() { ["before"] = "2025-06-01T00:00" });
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Contains("Deleted 1 log rows.", await deleted.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var logs = await h.Root.Http.GetStringAsync("/dashboard/logs", Ct);
        Assert.DoesNotContain("old-model", logs, StringComparison.Ordinal);
        Assert.Contains("new-model", logs, StringComparison.Ordinal);
    }

    private static async Task<string> OptionAsync(ManagementHarness h, string key)
    {
        var options = await h.Root.SendAsync(HttpMethod.Get, "/api/option/");
        return options.Data!.AsArray().Single(o => o!["key"]!.GetValue<string>() == key)!["value"]!.GetValue<string>();
    }
}
