using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmRelay.FunctionalTests.Management;

namespace LlmRelay.FunctionalTests.Security;

/// <summary>Logout, a password change, a role change and disabling a user end every session cookie of that user, on <c>/api</c> and on the dashboard (issue #13, item 4).</summary>
public sealed partial class SessionRevocationTests
{
    private static async Task<HttpStatusCode> SelfAsync(RawClient client, string cookie) =>
        (await client.SendAsync(HttpMethod.Get, "/api/user/self", cookie: cookie)).Status;

    /// <summary>Whether the dashboard home page renders for the cookie (200) or sends the visitor to sign in (302 to .../login).</summary>
    private static async Task<bool> DashboardSignedInAsync(RawClient client, string cookie)
    {
        var home = await client.SendAsync(HttpMethod.Get, "/dashboard/", cookie: cookie);
        Assert.True(home.Status is HttpStatusCode.OK or HttpStatusCode.Redirect, $"{(int)home.Status} {home.Text}");
        return home.Status == HttpStatusCode.OK;
    }

    [Fact]
    public async Task ApiLogout_EndsEverySessionOfTheUser_OnEveryDevice()
    {
        await using var h = await ManagementHarness.StartAsync();
        using var client = new RawClient(h.Gateway.BaseAddress);
        var laptop = await client.LoginAsync("alice", ManagementHarness.UserPassword);
        var phone = await client.LoginAsync("alice", ManagementHarness.UserPassword);
        var rootCookie = await client.LoginAsync("root", ManagementHarness.RootPassword);
        Assert.Equal(HttpStatusCode.OK, await SelfAsync(client, laptop));
        Assert.Equal(HttpStatusCode.OK, await SelfAsync(client, phone));
        Assert.True(await DashboardSignedInAsync(client, phone));

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/user/logout", cookie: laptop)).Status);

        Assert.Equal(HttpStatusCode.Unauthorized, await SelfAsync(client, laptop));
        Assert.Equal(HttpStatusCode.Unauthorized, await SelfAsync(client, phone));
        Assert.False(await DashboardSignedInAsync(client, phone));

        // Other users keep their sessions, and alice can sign in again.
        Assert.Equal(HttpStatusCode.OK, await SelfAsync(client, rootCookie));
        Assert.Equal(HttpStatusCode.OK, await SelfAsync(client, await client.LoginAsync("alice", ManagementHarness.UserPassword)));
    }

    [Fact]
    public async Task DashboardLogout_EndsTheApiSessionsToo()
    {
        await using var h = await ManagementHarness.StartAsync();
        using var client = new RawClient(h.Gateway.BaseAddress);
        var browser = await client.LoginAsync("alice", ManagementHarness.UserPassword);
        var script = await client.LoginAsync("alice", ManagementHarness.UserPassword);

        var page = await client.SendAsync(HttpMethod.Get, "/dashboard/", cookie: browser);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var antiforgeryCookie = page.Cookies.Single(static c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        var field = AntiforgeryField().Match(page.Text);
        Assert.True(field.Success, "no antiforgery field on the page");
        var logout = await client.SendAsync(
            HttpMethod.Post,
            "/dashboard/logout",
            $"{field.Groups[1].Value}={Uri.EscapeDataString(WebUtility.HtmlDecode(field.Groups[2].Value))}",
            "application/x-www-form-urlencoded",
            cookie: browser + "; " + antiforgeryCookie,
            headers: [("Origin", h.Gateway.BaseAddress.GetLeftPart(UriPartial.Authority)), ("Sec-Fetch-Site", "same-origin")]);
        Assert.Equal(HttpStatusCode.Redirect, logout.Status);
        Assert.EndsWith("/dashboard/login", logout.Location, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, await SelfAsync(client, browser));
        Assert.Equal(HttpStatusCode.Unauthorized, await SelfAsync(client, script));
        Assert.False(await DashboardSignedInAsync(client, browser));
    }

    [Fact]
    public async Task OwnPasswordChange_EndsEveryEarlierCookie_TheChangingRequestGetsAFreshOne()
    {
        await using var h = await ManagementHarness.StartAsync();
        using var client = new RawClient(h.Gateway.BaseAddress);
        var laptop = await client.LoginAsync("alice", ManagementHarness.UserPassword);
        var stolen = await client.LoginAsync("alice", ManagementHarness.UserPassword);

        var change = await client.SendAsync(
            HttpMethod.Put,
            "/api/user/self",
            JsonSerializer.Serialize(new { password = "alice-new-password-2", original_password = ManagementHarness.UserPassword }),
            cookie: laptop);
        Assert.True(change.Status == HttpStatusCode.OK, change.Text);

        Assert.Equal(HttpStatusCode.Unauthorized, await SelfAsync(client, stolen));
        Assert.Equal(HttpStatusCode.Unauthorized, await SelfAsync(client, laptop));
        Assert.False(await DashboardSignedInAsync(client, stolen));
        Assert.NotNull(change.SessionCookie);
        Assert.Equal(HttpStatusCode.OK, await SelfAsync(client, change.SessionCookie!));
        Assert.Equal(HttpStatusCode.OK, await SelfAsync(client, await client.LoginAsync("alice", "alice-new-password-2")));
    }

    [Theory]
    [InlineData("password")]
    [InlineData("disable-enable")]
    [InlineData("promote")]
    public async Task AdminChange_EndsTheUsersSessions(string change)
    {
        await using var h = await ManagementHarness.StartAsync();
        using var client = new RawClient(h.Gateway.BaseAddress);
        var cookie = await client.LoginAsync("alice", ManagementHarness.UserPassword);
        Assert.Equal(HttpStatusCode.OK, await SelfAsync(client, cookie));

        switch (change)
        {
            case "password":
                Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/user/", new { id = h.UserId, password = "reset-by-root-1" })).Success);
                break;
            case "disable-enable":
                Assert.True((await h.Root.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "disable" })).Success);
                Assert.True((await h.Root.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "enable" })).Success);
                break;
            default:
                Assert.True((await h.Root.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.UserId, action = "promote" })).Success);
                break;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await SelfAsync(client, cookie));
        Assert.False(await DashboardSignedInAsync(client, cookie));
        Assert.Equal(HttpStatusCode.OK, (await h.Root.SendAsync(HttpMethod.Get, "/api/user/self")).Status);
    }

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]+)" />""")]
    private static partial Regex AntiforgeryField();
}
