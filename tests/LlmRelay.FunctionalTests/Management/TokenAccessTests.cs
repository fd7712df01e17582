using System.Net;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>Management changes that decide who may use a key (IP allow-list, the owner's status) take effect on the relay at once.</summary>
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
        Assert.Single(await h.Gateway.WaitForLogsAsync(1));

        Assert.True((await h.Admin.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "enable" })).Success);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(CallerRequest.Build("gemini", "gpt-4o", stream: false, key), Ct)).StatusCode);
        Assert.Equal(2, upstream.Requests.Count);
    }

    private static async Task<long> RemainAsync(ManagementHarness h, long id) =>
        (await h.Admin.SendAsync(HttpMethod.Get, $"/api/token/{id}")).Data!["remain_quota"]!.GetValue<long>();

    private static async Task<HttpStatusCode> ChatAsync(HttpClient relay)
    {
        using var response = await relay.PostAsync("/v1/chat/completions", new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        return response.StatusCode;
    }
}
