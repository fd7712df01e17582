using System.Net;

namespace LlmRelay.FunctionalTests.Management;

/// <summary><c>PUT /api/option/</c> checks a value as the dashboard's settings forms do: one set of rules per option (issue #15).</summary>
public sealed class OptionValidationTests
{
    public static TheoryData<string, object> BadValues => new()
    {
        { "QuotaPerUnit", "0" },
        { "QuotaPerUnit", 0 },
        { "QuotaPerUnit", "-5" },
        { "QuotaPerUnit", "2000000000000" },
        { "QuotaForNewUser", "-1" },
        { "SystemName", "" },
        { "SystemName", new string('n', 65) },
        { "TopUpLink", "javascript:alert(1)" },
        { "TopUpLink", "/relative" },
        { "ModelRatio", "{\"gpt-4o\": " },
        { "ModelRatio", "[1, 2]" },
        { "UserUsableGroups", "not json" },
        { "GroupSelectionPolicies", "{\"default\": 3}" },
        { "RegisterEnabled", "yes" },
        { "RateLimits", "[1]" },
        { "RateLimits", "{\"Token\":{\"RequestsPerMinute\":-1}}" },
        { "RateLimits", "{\"Tokens\":{}}" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task PutOption_InvalidValue_IsRefusedNamingTheOption_AndNothingIsStored(string key, object value)
    {
        await using var h = await ManagementHarness.StartAsync();
        var before = await OptionAsync(h, key);

        var refused = await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key, value });

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.False(refused.Success);
        Assert.Contains($"'{key}'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await OptionAsync(h, key));
    }

    [Fact]
    public async Task PutOption_ValuesTheDashboardAccepts_AreStored()
    {
        await using var h = await ManagementHarness.StartAsync();

        foreach (var (key, value) in new[] { ("QuotaPerUnit", "1000"), ("SystemName", "My relay"), ("TopUpLink", "https://pay.example/"), ("TopUpLink", ""), ("ModelRatio", """{"gpt-4o": 2.5}""") })
        {
            var saved = await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key, value });
            Assert.True(saved.Success, $"{key}={value}: {saved.Message}");
            Assert.Equal(value, await OptionAsync(h, key));
        }
    }

    private static async Task<string> OptionAsync(ManagementHarness h, string key)
    {
        var options = await h.Root.SendAsync(HttpMethod.Get, "/api/option/");
        return options.Data!.AsArray().Single(o => o!["key"]!.GetValue<string>() == key)!["value"]!.GetValue<string>();
    }
}
