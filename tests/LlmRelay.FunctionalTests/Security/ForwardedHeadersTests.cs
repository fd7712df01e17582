using System.Net;
using System.Text.Json;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;
using LlmRelay.FunctionalTests.Relay;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRelay.FunctionalTests.Security;

/// <summary><c>X-Forwarded-For</c> is honoured only from configured proxies, also when forwarded headers are switched on the ASP.NET Core way (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>) (issue #13, item 6).</summary>
public sealed class ForwardedHeadersTests
{
    private const string Chat = """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""";

    private static Task<ManagementHarness> StartAsync(MockUpstream upstream, Dictionary<string, string?> extra) =>
        ManagementHarness.StartAsync(
            Settings.Merge(
                Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
                new Dictionary<string, string?> { ["ForwardedHeaders_Enabled"] = "true" },   // what ASPNETCORE_FORWARDEDHEADERS_ENABLED=true sets
                extra),
            userQuota: 10_000_000);

    private static async Task<string> CreateKeyAsync(ManagementHarness h, string name, string allowIps)
    {
        var created = await h.User.SendAsync(HttpMethod.Post, "/api/token/", new { name, unlimited_quota = true, allow_ips = allowIps });
        Assert.True(created.Success, created.Message);
        return created.Data!["key"]!.GetValue<string>();
    }

    [Fact]
    public async Task FromAnUnlistedProxy_TheSocketAddressCounts_ForAllowIpsTheLoginLimitAndTheLog()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var h = await StartAsync(upstream, new() { ["LlmRelay:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1" });
        using var proxy = new RawClient(h.Gateway.BaseAddress, "127.0.0.1");
        using var stranger = new RawClient(h.Gateway.BaseAddress, "127.0.0.2");
        var office = await CreateKeyAsync(h, "office", "203.0.113.7");
        var open = await CreateKeyAsync(h, "open", "");

        // allow_ips: the stranger cannot claim to be the office; the configured proxy can say so.
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.SendAsync(HttpMethod.Post, "/v1/chat/completions", Chat, bearer: office, headers: [("X-Forwarded-For", "203.0.113.7")])).Status);
        Assert.Equal(HttpStatusCode.OK, (await proxy.SendAsync(HttpMethod.Post, "/v1/chat/completions", Chat, bearer: office, headers: [("X-Forwarded-For", "203.0.113.7")])).Status);

        // The usage log records the socket address for the stranger, the forwarded one through the proxy.
        Assert.Equal(HttpStatusCode.OK, (await stranger.SendAsync(HttpMethod.Post, "/v1/chat/completions", Chat, bearer: open, headers: [("X-Forwarded-For", "198.51.100.9")])).Status);
        var logs = await h.Gateway.WaitForLogsAsync(2);
        Assert.Equal(new[] { "127.0.0.2", "203.0.113.7" }, logs.Select(static l => l.Ip).Order(StringComparer.Ordinal));

        // The sign-in limit: a new X-Forwarded-For per attempt does not buy the stranger new attempts.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 11; i++)
        {
            var login = await stranger.SendAsync(
                HttpMethod.Post,
                "/api/user/login",
                JsonSerializer.Serialize(new { username = "alice", password = "wrong-" + i }),
                headers: [("X-Forwarded-For", $"192.0.2.{i + 1}")]);
            statuses.Add(login.Status);
        }

        Assert.All(statuses.Take(10), static s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[10]);
    }

    [Fact]
    public async Task EnabledTheAspNetCoreWay_WithoutLlmRelaySettings_TrustsLoopbackOnly()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var h = await StartAsync(upstream, []);
        var options = h.Gateway.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        Assert.Contains(IPAddress.IPv6Loopback, options.KnownProxies);
        Assert.Contains(options.KnownIPNetworks, static n => n.Contains(IPAddress.Loopback));
        Assert.DoesNotContain(options.KnownIPNetworks, static n => n.Contains(IPAddress.Parse("10.1.2.3")) || n.Contains(IPAddress.Parse("203.0.113.7")));

        // nginx on the same host (the deployment sample) still forwards the caller's address.
        using var local = new RawClient(h.Gateway.BaseAddress, "127.0.0.2");
        var office = await CreateKeyAsync(h, "office", "203.0.113.7");
        Assert.Equal(HttpStatusCode.OK, (await local.SendAsync(HttpMethod.Post, "/v1/chat/completions", Chat, bearer: office, headers: [("X-Forwarded-For", "203.0.113.7")])).Status);
    }

    [Fact]
    public async Task KnownNetworks_Setting_IsHonoured()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var h = await StartAsync(upstream, new() { ["LlmRelay:ForwardedHeaders:KnownNetworks:0"] = "127.0.0.0/30" });
        using var inside = new RawClient(h.Gateway.BaseAddress, "127.0.0.2");
        using var outside = new RawClient(h.Gateway.BaseAddress, "127.0.0.5");
        var office = await CreateKeyAsync(h, "office", "203.0.113.7");
        Assert.Equal(HttpStatusCode.OK, (await inside.SendAsync(HttpMethod.Post, "/v1/chat/completions", Chat, bearer: office, headers: [("X-Forwarded-For", "203.0.113.7")])).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await outside.SendAsync(HttpMethod.Post, "/v1/chat/completions", Chat, bearer: office, headers: [("X-Forwarded-For", "203.0.113.7")])).Status);
    }
}
