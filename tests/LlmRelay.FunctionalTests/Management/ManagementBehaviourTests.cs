using System.Net;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>Happy paths and bad input across the management areas.</summary>
public sealed class ManagementBehaviourTests
{
    [Fact]
    public async Task Setup_Twice_IsRefused()
    {
        await using var h = await ManagementHarness.StartAsync();
        var again = await h.Anonymous.SendAsync(HttpMethod.Post, "/api/setup", new { username = "root2", password = "another-password" });
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.False(again.Success);
        var state = await h.Anonymous.SendAsync(HttpMethod.Get, "/api/setup");
        Assert.True(state.Data!["status"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Login_WrongPassword_IsRefused_AndRateLimited()
    {
        await using var h = await ManagementHarness.StartAsync();
        var client = h.NewClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            statuses.Add((await client.SendAsync(HttpMethod.Post, "/api/user/login", new { username = "alice", password = "wrong-password" })).Status);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, statuses[0]);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    [Fact]
    public async Task AccessToken_RequiresMatchingNewApiUserHeader()
    {
        await using var h = await ManagementHarness.StartAsync();
        var token = (await h.User.SendAsync(HttpMethod.Get, "/api/user/token")).Data!.GetValue<string>();
        var client = h.NewClient();
        client.Http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpMethod.Get, "/api/user/self")).Status);
        client.Http.DefaultRequestHeaders.Add("New-Api-User", h.AdminId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpMethod.Get, "/api/user/self")).Status);
        client.Http.DefaultRequestHeaders.Remove("New-Api-User");
        client.Http.DefaultRequestHeaders.Add("New-Api-User", h.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var self = await client.SendAsync(HttpMethod.Get, "/api/user/self");
        Assert.True(self.Success, self.Text);
        Assert.Equal("alice", self.Data!["username"]!.GetValue<string>());
        Assert.DoesNotContain("password", self.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Tokens_CreateListUpdateDelete_AndBadInputChangesNothing()
    {
        await using var h = await ManagementHarness.StartAsync();
        var created = await h.User.SendAsync(HttpMethod.Post, "/api/token/", new { name = "t1", remain_quota = 1000 });
        Assert.True(created.Success, created.Text);
        var id = created.Data!["id"]!.GetValue<long>();
        var key = created.Data!["key"]!.GetValue<string>();

        var bad = await h.User.SendAsync(HttpMethod.Put, "/api/token/", new { id, remain_quota = "lots" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("remain_quota", bad.Message, StringComparison.Ordinal);
        var unchanged = await h.User.SendAsync(HttpMethod.Get, $"/api/token/{id}");
        Assert.Equal(1000, unchanged.Data!["remain_quota"]!.GetValue<long>());
        Assert.DoesNotContain(key, unchanged.Text, StringComparison.Ordinal);

        Assert.True((await h.User.SendAsync(HttpMethod.Put, "/api/token/", new { id, name = "renamed" })).Success);
        var list = await h.User.SendAsync(HttpMethod.Get, "/api/token/search?keyword=renam");
        Assert.Equal(1, list.Data!["total"]!.GetValue<long>());

        // Another user cannot see or delete it.
        Assert.Equal(HttpStatusCode.NotFound, (await h.Admin.SendAsync(HttpMethod.Get, "/api/token/999999")).Status);
        Assert.True((await h.User.SendAsync(HttpMethod.Post, "/api/token/batch", new { ids = new[] { id } })).Success);
        Assert.Equal(0, (await h.User.SendAsync(HttpMethod.Get, "/api/token/")).Data!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Channels_KeysNeverListed_RevealNeedsVerification_TestRecordsResponseTime()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(LlmRelay.FunctionalTests.Relay.WireSamples.ChatResponse));
        await using var h = await ManagementHarness.StartAsync();
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new
        {
            mode = "multi_to_single",
            channel = new { name = "c1", type = "openai", base_url = upstream.BaseUrl, key = "sk-upstream-one\nsk-upstream-two", models = new[] { "gpt-4o" }, tag = "t" },
        });
        Assert.True(created.Success, created.Text);
        var id = created.Data![0]!["id"]!.GetValue<long>();
        var listed = await h.Admin.SendAsync(HttpMethod.Get, "/api/channel/");
        Assert.DoesNotContain("sk-upstream", listed.Text, StringComparison.Ordinal);
        Assert.Equal(2, listed.Data!["items"]![0]!["key_count"]!.GetValue<int>());

        Assert.Equal(HttpStatusCode.Forbidden, (await h.Root.SendAsync(HttpMethod.Post, $"/api/channel/{id}/key")).Status);
        Assert.True((await h.Root.SendAsync(HttpMethod.Post, "/api/verify", new { password = ManagementHarness.RootPassword })).Success);
        var revealed = await h.Root.SendAsync(HttpMethod.Post, $"/api/channel/{id}/key");
        Assert.Equal("sk-upstream-one\nsk-upstream-two", revealed.Data!["key"]!.GetValue<string>());

        var test = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/test/{id}");
        Assert.True(test.Success, test.Text);
        var after = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}");
        Assert.NotEqual(0, after.Data!["test_time"]!.GetValue<long>());

        var keys = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/multi_key/manage", new { channel_id = id, action = "disable_key", key_index = 0 });
        Assert.True(keys.Success, keys.Text);
        Assert.Equal(1, keys.Data!["disabled_key_count"]!.GetValue<int>());

        var bad = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new { channel = new { name = "c2", base_url = "not a url", key = "k", models = "m" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("base_url", bad.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await h.Admin.SendAsync(HttpMethod.Get, "/api/channel/")).Data!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Users_ManageRules_RootCannotBeDemoted()
    {
        await using var h = await ManagementHarness.StartAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await h.Root.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.RootId, action = "demote" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await h.Admin.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "promote" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await h.Admin.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "explode" })).Status);
        Assert.True((await h.Admin.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "disable" })).Success);
        // Disabling ends the user's sessions (Security/SessionRevocationTests), and signing in again is refused.
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.User.SendAsync(HttpMethod.Get, "/api/user/self")).Status);
        var again = await h.Anonymous.SendAsync(HttpMethod.Post, "/api/user/login", new { username = "alice", password = ManagementHarness.UserPassword });
        Assert.Equal(HttpStatusCode.Forbidden, again.Status);
        Assert.Contains("disabled", again.Message, StringComparison.Ordinal);
        var search = await h.Admin.SendAsync(HttpMethod.Get, "/api/user/search?keyword=ali");
        Assert.Equal(1, search.Data!["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Options_TypedValidation_AppliedWithoutRestart()
    {
        await using var h = await ManagementHarness.StartAsync();
        var bad = await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "RegisterEnabled", value = "maybe" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("RegisterEnabled", bad.Message, StringComparison.Ordinal);
        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "RegisterEnabled", value = false })).Success);
        var register = await h.Anonymous.SendAsync(HttpMethod.Post, "/api/user/register", new { username = "bob", password = "bob-password" });
        Assert.Equal(HttpStatusCode.Forbidden, register.Status);
        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "Notice", value = "Maintenance at 5" })).Success);
        Assert.Equal("Maintenance at 5", (await h.Anonymous.SendAsync(HttpMethod.Get, "/api/notice")).Data!.GetValue<string>());
    }

    [Fact]
    public async Task Redemption_CreateRedeemOnce_TopsUpAndLogs()
    {
        await using var h = await ManagementHarness.StartAsync();
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/redemption/", new { name = "promo", count = 2, quota = 5000 });
        Assert.True(created.Success, created.Text);
        var code = created.Data![0]!.GetValue<string>();
        var before = (await h.User.SendAsync(HttpMethod.Get, "/api/user/self")).Data!["quota"]!.GetValue<long>();
        Assert.True((await h.User.SendAsync(HttpMethod.Post, "/api/user/topup", new { key = code })).Success);
        Assert.False((await h.User.SendAsync(HttpMethod.Post, "/api/user/topup", new { key = code })).Success);
        var after = (await h.User.SendAsync(HttpMethod.Get, "/api/user/self")).Data!["quota"]!.GetValue<long>();
        Assert.Equal(before + 5000, after);
        var topups = await h.Admin.SendAsync(HttpMethod.Get, "/api/user/topup");
        Assert.Equal(1, topups.Data!["total"]!.GetValue<long>());
        Assert.Equal(1, (await h.Admin.SendAsync(HttpMethod.Delete, "/api/redemption/invalid")).Data!.GetValue<long>());
        Assert.Equal(HttpStatusCode.BadRequest, (await h.Admin.SendAsync(HttpMethod.Post, "/api/redemption/", new { name = "x", quota = -1 })).Status);
    }
}
