using System.Globalization;
using System.Net;
using LlmRelay.FunctionalTests.Management;

namespace LlmRelay.FunctionalTests.Security;

/// <summary>Cookie-authenticated changes on <c>/api</c> must be JSON and come from the gateway's own origin (or a configured one); bearer clients are unaffected (issue #13, item 5).</summary>
public sealed class CrossSiteRequestTests
{
    private const string Evil = "http://evil.example";
    private const string Console = "http://console.example";
    private const string TokenBody = """{"name":"planted","unlimited_quota":true}""";

    private static async Task<long> TokenCountAsync(ManagementHarness h) =>
        (await h.User.SendAsync(HttpMethod.Get, "/api/token/")).Data!["total"]!.GetValue<long>();

    [Fact]
    public async Task ForeignOrigin_WithTheSessionCookie_IsRefused_WhateverTheBody_AndNothingIsApplied()
    {
        await using var h = await ManagementHarness.StartAsync();
        using var client = new RawClient(h.Gateway.BaseAddress);
        var cookie = await client.LoginAsync("alice", ManagementHarness.UserPassword);

        var attempts = new (string Body, string ContentType, (string, string)[] Headers)[]
        {
            (TokenBody, "text/plain", [("Origin", Evil)]),
            (TokenBody, "text/plain", [("Origin", Evil), ("Sec-Fetch-Site", "cross-site")]),
            ("name=planted&unlimited_quota=true", "application/x-www-form-urlencoded", [("Sec-Fetch-Site", "cross-site")]),
            ("name=planted", "multipart/form-data; boundary=x", [("Origin", "null")]),
            (TokenBody, "application/json", [("Origin", Evil)]),
            (TokenBody, "application/json", [("Sec-Fetch-Site", "same-site"), ("Origin", "http://sub.127.0.0.1")]),
        };
        foreach (var (body, contentType, headers) in attempts)
        {
            var refused = await client.SendAsync(HttpMethod.Post, "/api/token/", body, contentType, cookie: cookie, headers: headers);
            Assert.True(refused.Status == HttpStatusCode.Forbidden, $"{contentType} {string.Join(",", headers)}: {(int)refused.Status} {refused.Text}");
            Assert.False(refused.Json!["success"]!.GetValue<bool>());
            Assert.Contains("cross-site", refused.Json["message"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        }

        var delete = await client.SendAsync(HttpMethod.Delete, $"/api/user/self", cookie: cookie, headers: [("Origin", Evil)]);
        Assert.Equal(HttpStatusCode.Forbidden, delete.Status);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/user/self", cookie: cookie)).Status);
        Assert.Equal(0, await TokenCountAsync(h));
    }

    [Fact]
    public async Task NonJsonBody_IsRefusedWith415_EvenFromTheSameOrigin()
    {
        await using var h = await ManagementHarness.StartAsync();
        using var client = new RawClient(h.Gateway.BaseAddress);
        var cookie = await client.LoginAsync("alice", ManagementHarness.UserPassword);

        foreach (var contentType in (string[])["text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"])
        {
            var refused = await client.SendAsync(HttpMethod.Post, "/api/token/", TokenBody, contentType, cookie: cookie);
            Assert.True(refused.Status == HttpStatusCode.UnsupportedMediaType, $"{contentType}: {(int)refused.Status} {refused.Text}");
            Assert.False(refused.Json!["success"]!.GetValue<bool>());
            Assert.Contains("application/json", refused.Json["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // Sign-in is a state change too (it sets the cookie): a form cannot sign a victim in to the attacker's account.
        var login = await client.SendAsync(HttpMethod.Post, "/api/user/login", """{"username":"alice","password":"user-password-1"}""", "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, login.Status);
        Assert.Null(login.SessionCookie);
        Assert.Equal(0, await TokenCountAsync(h));
    }

    [Fact]
    public async Task SameOriginJson_ConfiguredOrigin_AndBearerClients_StillWork()
    {
        await using var h = await ManagementHarness.StartAsync(new Dictionary<string, string?> { ["LlmRelay:Management:AllowedOrigins:0"] = Console });
        using var client = new RawClient(h.Gateway.BaseAddress);
        var cookie = await client.LoginAsync("alice", ManagementHarness.UserPassword);
        var own = h.Gateway.BaseAddress.GetLeftPart(UriPartial.Authority);

        var cases = new (string ContentType, (string, string)[] Headers)[]
        {
            ("application/json", [("Origin", own), ("Sec-Fetch-Site", "same-origin")]),
            ("application/json; charset=utf-8", [("Origin", own)]),
            ("application/merge-patch+json", []),
            ("application/json", [("Sec-Fetch-Site", "none")]),
            ("application/json", [("Origin", Console), ("Sec-Fetch-Site", "cross-site")]),
        };
        foreach (var (contentType, headers) in cases)
        {
            var created = await client.SendAsync(HttpMethod.Post, "/api/token/", TokenBody, contentType, cookie: cookie, headers: headers);
            Assert.True(created.Status == HttpStatusCode.OK, $"{contentType} {string.Join(",", headers)}: {(int)created.Status} {created.Text}");
        }

        // An access token is not sent by browsers on their own: no cookie, no cross-site check.
        var accessToken = (await h.User.SendAsync(HttpMethod.Get, "/api/user/token")).Data!.GetValue<string>();
        var bearer = await client.SendAsync(
            HttpMethod.Post,
            "/api/token/",
            TokenBody,
            bearer: accessToken,
            headers: [("New-Api-User", h.UserId.ToString(CultureInfo.InvariantCulture)), ("Origin", Evil), ("Sec-Fetch-Site", "cross-site")]);
        Assert.True(bearer.Status == HttpStatusCode.OK, bearer.Text);

        // Reads are never refused for their origin.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/token/", cookie: cookie, headers: [("Origin", Evil)])).Status);
        Assert.Equal(cases.Length + 1, await TokenCountAsync(h));
    }
}
