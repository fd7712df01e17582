using System.Net;
using System.Text.Json.Nodes;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>Editing a gateway token on the dashboard (issue #15): every field through <c>TokenService</c>, refused server-side as the API refuses it.</summary>
public sealed class DashboardTokensTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UpdateForm_ChangesEveryField_AndEmptyFieldsClear()
    {
        await using var h = await ManagementHarness.StartAsync();
        var id = await CreateAsync(h.User, "first");
        var tokyo = h.NewClient();
        tokyo.Http.DefaultRequestHeaders.Add("Cookie", "llmrelay_tz=Asia/Tokyo");
        Assert.True((await tokyo.SendAsync(HttpMethod.Post, "/api/user/login", new { username = "alice", password = ManagementHarness.UserPassword })).Success);

        var status = await DashboardForm.PostAsync(tokyo, "/tokens?edit=" + id, "/tokens/update", new()
        {
            ["id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["name"] = "renamed",
            ["remain_quota"] = "1234",
            ["expires"] = "2099-01-02T09:00",
            ["models"] = "gpt-4o, claude-3",
            ["allow_ips"] = "10.0.0.0/8\n192.168.1.5",
            ["group"] = "default",
        });
        Assert.Equal(HttpStatusCode.OK, status);

        var token = await GetAsync(h.User, id);
        Assert.Equal("renamed", token["name"]!.GetValue<string>());
        Assert.Equal(1234, token["remain_quota"]!.GetValue<long>());
        Assert.False(token["unlimited_quota"]!.GetValue<bool>());
        // 09:00 in Tokyo is 00:00 UTC.
        Assert.Equal(new DateTimeOffset(2099, 1, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), token["expired_time"]!.GetValue<long>());
        Assert.Equal(["gpt-4o", "claude-3"], token["models"]!.AsArray().Select(static m => m!.GetValue<string>()));
        Assert.Equal("10.0.0.0/8\n192.168.1.5", token["allow_ips"]!.GetValue<string>());

        // The edit page shows the stored values back, the expiry in the viewer's zone.
        var page = await tokyo.Http.GetStringAsync("/dashboard/tokens?edit=" + id, Ct);
        Assert.Contains("id=\"edit-token-expires\" type=\"datetime-local\" value=\"2099-01-02T09:00\"", page, StringComparison.Ordinal);
        Assert.Contains("value=\"gpt-4o,claude-3\"", page, StringComparison.Ordinal);

        // Empty fields clear: no expiry, any model, any address; unlimited again.
        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.User, "/tokens?edit=" + id, "/tokens/update", new()
        {
            ["id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["name"] = "renamed",
            ["remain_quota"] = "0",
            ["unlimited_quota"] = "true",
            ["expires"] = "",
            ["models"] = "",
            ["allow_ips"] = "",
            ["group"] = "default",
        }));
        token = await GetAsync(h.User, id);
        Assert.True(token["unlimited_quota"]!.GetValue<bool>());
        Assert.Equal(-1, token["expired_time"]!.GetValue<long>());
        Assert.Empty(token["models"]!.AsArray());
        Assert.Equal("", token["allow_ips"]!.GetValue<string>());
    }

    [Fact]
    public async Task UpdateForm_GroupOutsideTheUsersGroups_IsRefusedServerSide_AndNothingChanges()
    {
        await using var h = await ManagementHarness.StartAsync();
        var id = await CreateAsync(h.User, "mine");

        // The form only offers alice's groups; a hand-made post naming 'vip' is refused by TokenService, next to the field.
        using var response = await DashboardForm.SendAsync(h.User, "/tokens?edit=" + id, "/tokens/update", new()
        {
            ["id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["name"] = "renamed",
            ["remain_quota"] = "5",
            ["group"] = "vip",
        });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains("data-field=\"group\">Field 'group': 'vip' is not a group", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<option value=\"vip\"", (await h.User.Http.GetStringAsync("/dashboard/tokens?edit=" + id, Ct)), StringComparison.Ordinal);

        var token = await GetAsync(h.User, id);
        Assert.Equal("mine", token["name"]!.GetValue<string>());
        Assert.Equal("default", token["group"]!.GetValue<string>());

        // Bad input is refused before anything is stored, named by its field.
        using var bad = await DashboardForm.SendAsync(h.User, "/tokens?edit=" + id, "/tokens/update", new()
        {
            ["id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["name"] = "renamed",
            ["remain_quota"] = "-5",
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("data-field=\"remain_quota\"", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("mine", (await GetAsync(h.User, id))["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task UpdateForm_SomeoneElsesToken_IsNotFound()
    {
        await using var h = await ManagementHarness.StartAsync();
        var rootToken = await CreateAsync(h.Root, "root-key");

        Assert.Equal(HttpStatusCode.NotFound, await DashboardForm.PostAsync(h.User, "/tokens", "/tokens/update", new() { ["id"] = rootToken.ToString(System.Globalization.CultureInfo.InvariantCulture), ["name"] = "stolen" }));
        using var edit = await h.User.Http.GetAsync("/dashboard/tokens?edit=" + rootToken, Ct);
        Assert.Equal(HttpStatusCode.NotFound, edit.StatusCode);
        Assert.DoesNotContain("root-key", await edit.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("root-key", (await GetAsync(h.Root, rootToken))["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateForm_ShowsTheFullKeyOnce_ThenOnlyItsMask()
    {
        await using var h = await ManagementHarness.StartAsync();
        using var created = await DashboardForm.SendAsync(h.User, "/tokens", "/tokens/create", new() { ["name"] = "once", ["unlimited_quota"] = "true" });
        var html = await created.Content.ReadAsStringAsync(Ct);
        var key = System.Text.RegularExpressions.Regex.Match(html, "<pre id=\"new-token-key\">(sk-[^<]+)</pre>").Groups[1].Value;
        Assert.StartsWith("sk-", key, StringComparison.Ordinal);

        var later = await h.User.Http.GetStringAsync("/dashboard/tokens", Ct);
        Assert.DoesNotContain(key, later, StringComparison.Ordinal);
        Assert.DoesNotContain(key[3..], later, StringComparison.Ordinal);
        var hint = (await h.User.SendAsync(HttpMethod.Get, "/api/token/")).Data!["items"]![0]!["key"]!.GetValue<string>();
        Assert.Contains(WebUtility.HtmlEncode(hint), later, StringComparison.Ordinal);
    }

    private static async Task<long> CreateAsync(ApiClient client, string name)
    {
        var created = await client.SendAsync(HttpMethod.Post, "/api/token/", new { name, unlimited_quota = true });
        Assert.True(created.Success, created.Message);
        return created.Data!["id"]!.GetValue<long>();
    }

    private static async Task<JsonNode> GetAsync(ApiClient client, long id)
    {
        var token = await client.SendAsync(HttpMethod.Get, $"/api/token/{id}");
        Assert.True(token.Success, token.Message);
        return token.Data!;
    }
}
