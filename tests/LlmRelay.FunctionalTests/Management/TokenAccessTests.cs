using System.Net;
using LlmRelay.Client;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;
using Microsoft.Extensions.AI;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>Who may use and manage a key: IP allow-list, the owner's status and usable groups take effect on the relay at once; admins manage only keys of users below them.</summary>
public sealed class TokenAccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AllowIps_CreateUpdateValidate_AndTheRelayHonoursEachChangeAtOnce()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var h = await ManagementHarness.StartAsync(Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]), userQuota: 10_000_000);

        // A bad entry is refused by name, and nothing is created.
        var bad = await h.User.SendAsync(HttpMethod.Post, "/api/token/", new { name = "bad", unlimited_quota = true, allow_ips = "10.0.0.0/8\n300.1.1.1" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("'300.1.1.1'", bad.Message, StringComparison.Ordinal);
        Assert.Contains("allow_ips", bad.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await h.User.SendAsync(HttpMethod.Get, "/api/token/")).Data!["total"]!.GetValue<long>());

        // Newline- and comma-separated, as new-api's dashboard sends it; returned newline-separated.
        var created = await h.User.SendAsync(HttpMethod.Post, "/api/token/", new { name = "office", unlimited_quota = true, allow_ips = "10.0.0.0/8\r\n192.168.1.7, 2001:db8::/32" });
        Assert.True(created.Success, created.Message);
        Assert.Equal("10.0.0.0/8\n192.168.1.7\n2001:db8::/32", created.Data!["allow_ips"]!.GetValue<string>());
        var id = created.Data["id"]!.GetValue<long>();
        var key = created.Data["key"]!.GetValue<string>();
        using var relay = h.Gateway.CreateGatewayClient(key);

        Assert.Equal(HttpStatusCode.Forbidden, await ChatAsync(relay)); // Called from 127.0.0.1.

        var allowed = await h.User.SendAsync(HttpMethod.Put, "/api/token/", new { id, allow_ips = "127.0.0.1\n::1" });
        Assert.True(allowed.Success, allowed.Message);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(relay));

        var invalid = await h.User.SendAsync(HttpMethod.Put, "/api/token/", new { id, allow_ips = "127.0.0.0/8\nnot-an-ip" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Contains("'not-an-ip'", invalid.Message, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1\n::1", (await h.User.SendAsync(HttpMethod.Get, $"/api/token/{id}")).Data!["allow_ips"]!.GetValue<string>());

        Assert.True((await h.User.SendAsync(HttpMethod.Put, "/api/token/", new { id, allow_ips = new[] { "10.1.2.3" } })).Success);
        Assert.Equal(HttpStatusCode.Forbidden, await ChatAsync(relay));

        // Left out, the list is kept; empty, any address may use the key.
        Assert.True((await h.User.SendAsync(HttpMethod.Put, "/api/token/", new { id, name = "renamed" })).Success);
        Assert.Equal(HttpStatusCode.Forbidden, await ChatAsync(relay));
        var cleared = await h.User.SendAsync(HttpMethod.Put, "/api/token/", new { id, allow_ips = "" });
        Assert.Equal("", cleared.Data!["allow_ips"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(relay));
        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task DisabledUser_TheirKeysAreRefusedAtOnce_InTheCallersShape_AndWorkAgainWhenEnabled()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var h = await ManagementHarness.StartAsync(Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]), userQuota: 10_000_000);
        var created = await h.User.SendAsync(HttpMethod.Post, "/api/token/", new { name = "alice-key", remain_quota = 1_000_000, unlimited_quota = false });
        Assert.True(created.Success, created.Message);
        var key = created.Data!["key"]!.GetValue<string>();
        using var client = h.Gateway.CreateGatewayClient(null);

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(CallerRequest.Build("openai", "gpt-4o", stream: false, key), Ct)).StatusCode);
        await h.Gateway.WaitForLogsAsync(1);
        var remain = await RemainAsync(h, created.Data["id"]!.GetValue<long>());
        Assert.True(remain is > 0 and < 1_000_000, $"remain {remain}");
        Assert.True((await h.Admin.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "disable" })).Success);

        foreach (var caller in CallerRequest.Families)
        {
            using var refused = await client.SendAsync(CallerRequest.Build(caller, "gpt-4o", stream: caller == "anthropic", key), Ct);
            var text = await refused.Content.ReadAsStringAsync(Ct);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{caller}: {(int)refused.StatusCode} {text}");
            var (_, message) = CallerRequest.ReadError(caller, text, 403);
            Assert.Contains("user", message, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Single(upstream.Requests);
        Assert.Equal(remain, await RemainAsync(h, created.Data["id"]!.GetValue<long>()));
        // The refused calls log nothing; the disable itself is a management row in the user's logs (issue #15).
        var rows = await h.Gateway.WaitForLogsAsync(2);
        Assert.Single(rows, static l => l.Type == LlmRelay.Usage.UsageLogType.Consume);
        Assert.Single(rows, static l => l.Type == LlmRelay.Usage.UsageLogType.Manage);
        Assert.Equal(2, rows.Count);

        Assert.True((await h.Admin.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "enable" })).Success);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(CallerRequest.Build("gemini", "gpt-4o", stream: false, key), Ct)).StatusCode);
        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task TokenGroup_OnlyTheOwnersUsableGroups_OnCreateUpdateAndDashboard_AndTheRelayNeverReachesAnotherGroupsChannel()
    {
        await using var open = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var vip = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var h = await ManagementHarness.StartAsync(
            Settings.Merge(Settings.Channel(0, open.BaseUrl, ["gpt-4o"]), Settings.Channel(1, vip.BaseUrl, ["gpt-4o"]), new() { ["LlmRelay:Channels:1:Group"] = "vip" }),
            userQuota: 10_000_000);

        // alice is in 'default', and only 'default' is selectable: 'vip' is refused on create, through the API and the dashboard.
        var refused = await h.User.SendAsync(HttpMethod.Post, "/api/token/", new { name = "sneaky", unlimited_quota = true, group = "vip" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.False(refused.Success);
        Assert.Contains("'vip'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, await DashboardForm.PostAsync(h.User, "/tokens", "/tokens/create", new() { ["name"] = "sneaky", ["unlimited_quota"] = "true", ["group"] = "vip" }));
        Assert.Equal(0, (await h.User.SendAsync(HttpMethod.Get, "/api/token/")).Data!["total"]!.GetValue<long>());

        // ...and on update; the token keeps its group.
        var created = await h.User.SendAsync(HttpMethod.Post, "/api/token/", new { name = "mine", unlimited_quota = true });
        Assert.True(created.Success, created.Message);
        Assert.Equal("default", created.Data!["group"]!.GetValue<string>());
        var id = created.Data["id"]!.GetValue<long>();
        var key = created.Data["key"]!.GetValue<string>();
        var update = await h.User.SendAsync(HttpMethod.Put, "/api/token/", new { id, group = "vip" });
        Assert.Equal(HttpStatusCode.Forbidden, update.Status);
        Assert.Equal("default", (await h.User.SendAsync(HttpMethod.Get, $"/api/token/{id}")).Data!["group"]!.GetValue<string>());
        using var relay = h.Gateway.CreateGatewayClient(key);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(relay));
        Assert.Single(open.Requests);
        Assert.Empty(vip.Requests);

        // Root makes 'vip' selectable: now alice may pick it, and her key reaches the vip channel.
        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "UserUsableGroups", value = """{"default":"Default","vip":"VIP"}""" })).Success);
        Assert.True((await h.User.SendAsync(HttpMethod.Put, "/api/token/", new { id, group = "vip" })).Success);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(relay));
        Assert.Single(vip.Requests);

        // Root withdraws it: the key, still stored with 'vip', is refused at the relay in the caller's shape, and no upstream sees the call.
        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key = "UserUsableGroups", value = """{"default":"Default"}""" })).Success);
        foreach (var caller in CallerRequest.Families)
        {
            using var response = await relay.SendAsync(CallerRequest.Build(caller, "gpt-4o", stream: false, key), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{caller}: {(int)response.StatusCode} {text}");
            var (_, message) = CallerRequest.ReadError(caller, text, 403);
            Assert.Contains("group", message, StringComparison.OrdinalIgnoreCase);
        }

        using (var models = await relay.GetAsync("/v1/models", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, models.StatusCode);
        }

        // The in-process client with the same key is refused the same way.
        var inProcess = await Assert.ThrowsAsync<RelayChatClientException>(() =>
            h.Gateway.Services.GetRelayChatClient(key).GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "gpt-4o" }, Ct));
        Assert.Equal((403, "group_not_allowed"), (inProcess.StatusCode, inProcess.ErrorCode));

        Assert.Single(vip.Requests);
        Assert.Single(open.Requests);

        // An admin widens it for alice alone by moving her into 'vip' (her own group is always usable): the key works again at once.
        Assert.True((await h.Admin.SendAsync(HttpMethod.Put, "/api/user/", new { id = h.UserId, group = "vip" })).Success);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(relay));
        Assert.Equal(2, vip.Requests.Count);
    }

    [Fact]
    public async Task Admin_CannotListReadChangeOrDeleteTokensOfRootOrAnotherAdmin_RootCan_AndAdminStillManagesCommonUsers()
    {
        await using var h = await ManagementHarness.StartAsync();
        var rootToken = await CreateTokenAsync(h.Root, "root-key");
        var aliceToken = await CreateTokenAsync(h.User, "alice-key");
        Assert.True((await h.Root.SendAsync(HttpMethod.Post, "/api/user/", new { username = "admin2", password = ManagementHarness.UserPassword, role = 10 })).Success);
        var admin2 = await h.LoginAsync("admin2", ManagementHarness.UserPassword);
        var admin2Token = await CreateTokenAsync(admin2, "admin2-key");
        var admin2Id = (await admin2.SendAsync(HttpMethod.Get, "/api/user/self")).Data!["id"]!.GetValue<long>();

        foreach (var (owner, token) in new[] { (h.RootId, rootToken), (admin2Id, admin2Token) })
        {
            var calls = new (HttpMethod Method, string Path, object? Body)[]
            {
                (HttpMethod.Get, $"/api/token/?user_id={owner}", null),
                (HttpMethod.Get, $"/api/token/search?user_id={owner}&keyword=key", null),
                (HttpMethod.Get, $"/api/token/{token}", null),
                (HttpMethod.Put, "/api/token/", new { id = token, name = "taken", unlimited_quota = true }),
                (HttpMethod.Put, "/api/token/?status_only=1", new { id = token, status = 2 }),
                (HttpMethod.Delete, $"/api/token/{token}", null),
                (HttpMethod.Post, "/api/token/batch", new { ids = new[] { token, aliceToken } }),
            };
            foreach (var (method, path, body) in calls)
            {
                var answer = await h.Admin.SendAsync(method, path, body);
                Assert.True(answer.Status == HttpStatusCode.Forbidden && !answer.Success, $"admin {method} {path}: {(int)answer.Status} {answer.Text}");
                Assert.DoesNotContain("-key", answer.Text, StringComparison.Ordinal);
            }
        }

        // Nothing changed: root still sees its key as it was, and the refused batch deleted none of its ids.
        var rootView = await h.Root.SendAsync(HttpMethod.Get, $"/api/token/{rootToken}");
        Assert.Equal("root-key", rootView.Data!["name"]!.GetValue<string>());
        Assert.Equal(1, rootView.Data["status"]!.GetValue<int>());
        Assert.True((await h.User.SendAsync(HttpMethod.Get, $"/api/token/{aliceToken}")).Success);

        // A common user still gets 404 for anyone else's key.
        Assert.Equal(HttpStatusCode.NotFound, (await h.User.SendAsync(HttpMethod.Get, $"/api/token/{rootToken}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await h.User.SendAsync(HttpMethod.Delete, $"/api/token/{rootToken}")).Status);

        // The admin still manages a common user's keys.
        Assert.Equal(1, (await h.Admin.SendAsync(HttpMethod.Get, $"/api/token/?user_id={h.UserId}")).Data!["total"]!.GetValue<long>());
        Assert.True((await h.Admin.SendAsync(HttpMethod.Get, $"/api/token/{aliceToken}")).Success);
        Assert.True((await h.Admin.SendAsync(HttpMethod.Put, "/api/token/", new { id = aliceToken, name = "renamed-by-admin" })).Success);
        Assert.Equal(1, (await h.Admin.SendAsync(HttpMethod.Post, "/api/token/batch", new { ids = new[] { aliceToken } })).Data!.GetValue<long>());

        // Root manages everyone's keys, admins' included.
        Assert.Equal(1, (await h.Root.SendAsync(HttpMethod.Get, $"/api/token/?user_id={admin2Id}")).Data!["total"]!.GetValue<long>());
        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/token/", new { id = admin2Token, name = "renamed-by-root" })).Success);
        Assert.True((await h.Root.SendAsync(HttpMethod.Delete, $"/api/token/{admin2Token}")).Success);
        Assert.True((await h.Root.SendAsync(HttpMethod.Delete, $"/api/token/{rootToken}")).Success);
    }

    private static async Task<long> CreateTokenAsync(ApiClient client, string name)
    {
        var created = await client.SendAsync(HttpMethod.Post, "/api/token/", new { name, unlimited_quota = true });
        Assert.True(created.Success, created.Message);
        return created.Data!["id"]!.GetValue<long>();
    }

    private static async Task<long> RemainAsync(ManagementHarness h, long id) =>
        (await h.Admin.SendAsync(HttpMethod.Get, $"/api/token/{id}")).Data!["remain_quota"]!.GetValue<long>();

    private static async Task<HttpStatusCode> ChatAsync(HttpClient relay)
    {
        using var response = await relay.PostAsync("/v1/chat/completions", new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        return response.StatusCode;
    }
}
