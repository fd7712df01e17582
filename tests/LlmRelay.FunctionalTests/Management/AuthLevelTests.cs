using System.Net;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>Every management route of endpoints.tsv (areas user, token, channel, groups, system, redemption, security, statistics, model, vendors, tasks) at its level and one level below; user administration within a level.</summary>
public sealed class AuthLevelTests
{
    public enum AccessLevel
    {
        Public,
        User,
        Admin,
        Root,
    }

    // {id} is a number that exists nowhere, so a call at its level cannot change anything.
    private static readonly object[][] Routes =
    [
        ["POST", "/api/channel/batch", AccessLevel.Admin],
        ["POST", "/api/channel/batch/tag", AccessLevel.Admin],
        ["POST", "/api/channel/copy/999999", AccessLevel.Admin],
        ["DELETE", "/api/channel/disabled", AccessLevel.Admin],
        ["GET", "/api/channel/fetch_models/999999", AccessLevel.Admin],
        ["POST", "/api/channel/fetch_models", AccessLevel.Admin],
        ["POST", "/api/channel/fix", AccessLevel.Admin],
        ["GET", "/api/channel/", AccessLevel.Admin],
        ["DELETE", "/api/channel/999999", AccessLevel.Admin],
        ["GET", "/api/channel/999999", AccessLevel.Admin],
        ["POST", "/api/channel/999999/key", AccessLevel.Root],
        ["GET", "/api/channel/models", AccessLevel.Admin],
        ["GET", "/api/channel/models_enabled", AccessLevel.Admin],
        ["POST", "/api/channel/multi_key/manage", AccessLevel.Admin],
        ["POST", "/api/channel/", AccessLevel.Admin],
        ["PUT", "/api/channel/", AccessLevel.Admin],
        ["GET", "/api/channel/search", AccessLevel.Admin],
        ["POST", "/api/channel/tag/disabled", AccessLevel.Admin],
        ["POST", "/api/channel/tag/enabled", AccessLevel.Admin],
        ["GET", "/api/channel/tag/models", AccessLevel.Admin],
        ["PUT", "/api/channel/tag", AccessLevel.Admin],
        ["GET", "/api/channel/test", AccessLevel.Admin],
        ["GET", "/api/channel/test/999999", AccessLevel.Admin],
        ["GET", "/api/channel/update_balance", AccessLevel.Admin],
        ["GET", "/api/channel/update_balance/999999", AccessLevel.Admin],
        ["GET", "/api/group/", AccessLevel.Admin],
        ["GET", "/api/prefill_group/", AccessLevel.Admin],
        ["DELETE", "/api/prefill_group/999999", AccessLevel.Admin],
        ["POST", "/api/prefill_group/", AccessLevel.Admin],
        ["PUT", "/api/prefill_group/", AccessLevel.Admin],
        ["GET", "/api/models/", AccessLevel.Admin],
        ["DELETE", "/api/models/999999", AccessLevel.Admin],
        ["GET", "/api/models/999999", AccessLevel.Admin],
        ["GET", "/api/models/missing", AccessLevel.Admin],
        ["POST", "/api/models/", AccessLevel.Admin],
        ["PUT", "/api/models/", AccessLevel.Admin],
        ["GET", "/api/models/search", AccessLevel.Admin],
        ["POST", "/api/models/sync_upstream", AccessLevel.Admin],
        ["GET", "/api/models/sync_upstream/preview", AccessLevel.Admin],
        ["GET", "/api/redemption/", AccessLevel.Admin],
        ["DELETE", "/api/redemption/999999", AccessLevel.Admin],
        ["GET", "/api/redemption/999999", AccessLevel.Admin],
        ["DELETE", "/api/redemption/invalid", AccessLevel.Admin],
        ["POST", "/api/redemption/", AccessLevel.Admin],
        ["PUT", "/api/redemption/", AccessLevel.Admin],
        ["GET", "/api/redemption/search", AccessLevel.Admin],
        ["POST", "/api/verify", AccessLevel.User],
        ["GET", "/api/verify/status", AccessLevel.User],
        ["GET", "/api/data/", AccessLevel.Admin],
        ["GET", "/api/data/self", AccessLevel.User],
        ["GET", "/api/task/", AccessLevel.Admin],
        ["GET", "/api/task/self", AccessLevel.User],
        ["GET", "/api/mj/", AccessLevel.Admin],
        ["GET", "/api/mj/self", AccessLevel.User],
        ["GET", "/api/option/", AccessLevel.Root],
        ["POST", "/api/option/migrate_console_setting", AccessLevel.Root],
        ["PUT", "/api/option/", AccessLevel.Root],
        ["POST", "/api/option/rest_model_ratio", AccessLevel.Root],
        ["GET", "/api/ratio_sync/channels", AccessLevel.Root],
        ["POST", "/api/ratio_sync/fetch", AccessLevel.Root],
        ["GET", "/api/about", AccessLevel.Public],
        ["GET", "/api/home_page_content", AccessLevel.Public],
        ["GET", "/api/models", AccessLevel.User],
        ["GET", "/api/notice", AccessLevel.Public],
        ["GET", "/api/pricing", AccessLevel.Public],
        ["GET", "/api/privacy-policy", AccessLevel.Public],
        ["GET", "/api/ratio_config", AccessLevel.Public],
        ["GET", "/api/setup", AccessLevel.Public],
        ["POST", "/api/setup", AccessLevel.Public],
        ["GET", "/api/status", AccessLevel.Public],
        ["GET", "/api/status/test", AccessLevel.Admin],
        ["GET", "/api/uptime/status", AccessLevel.Public],
        ["GET", "/api/user-agreement", AccessLevel.Public],
        ["POST", "/api/token/batch", AccessLevel.User],
        ["GET", "/api/token/", AccessLevel.User],
        ["DELETE", "/api/token/999999", AccessLevel.User],
        ["GET", "/api/token/999999", AccessLevel.User],
        ["POST", "/api/token/", AccessLevel.User],
        ["PUT", "/api/token/", AccessLevel.User],
        ["GET", "/api/token/search", AccessLevel.User],
        ["GET", "/api/reset_password", AccessLevel.Public],
        ["GET", "/api/user/groups", AccessLevel.Public],
        ["POST", "/api/user/login/2fa", AccessLevel.Public],
        ["POST", "/api/user/login", AccessLevel.Public],
        ["GET", "/api/user/logout", AccessLevel.Public],
        ["POST", "/api/user/passkey/login/begin", AccessLevel.Public],
        ["POST", "/api/user/passkey/login/finish", AccessLevel.Public],
        ["POST", "/api/user/register", AccessLevel.Public],
        ["POST", "/api/user/reset", AccessLevel.Public],
        ["GET", "/api/verification", AccessLevel.Public],
        ["GET", "/api/user/aff", AccessLevel.User],
        ["POST", "/api/user/aff_transfer", AccessLevel.User],
        ["GET", "/api/user/", AccessLevel.Admin],
        ["DELETE", "/api/user/999999/2fa", AccessLevel.Admin],
        ["DELETE", "/api/user/999999", AccessLevel.Admin],
        ["GET", "/api/user/999999", AccessLevel.Admin],
        ["DELETE", "/api/user/999999/reset_passkey", AccessLevel.Admin],
        ["POST", "/api/user/manage", AccessLevel.Admin],
        ["GET", "/api/user/models", AccessLevel.User],
        ["DELETE", "/api/user/passkey", AccessLevel.User],
        ["GET", "/api/user/passkey", AccessLevel.User],
        ["POST", "/api/user/passkey/register/begin", AccessLevel.User],
        ["POST", "/api/user/passkey/register/finish", AccessLevel.User],
        ["POST", "/api/user/passkey/verify/begin", AccessLevel.User],
        ["POST", "/api/user/passkey/verify/finish", AccessLevel.User],
        ["POST", "/api/user/", AccessLevel.Admin],
        ["PUT", "/api/user/", AccessLevel.Admin],
        ["GET", "/api/user/search", AccessLevel.Admin],
        ["GET", "/api/user/self/groups", AccessLevel.User],
        ["PUT", "/api/user/setting", AccessLevel.User],
        ["GET", "/api/user/token", AccessLevel.User],
        ["POST", "/api/user/topup/complete", AccessLevel.Admin],
        ["GET", "/api/user/topup", AccessLevel.Admin],
        ["GET", "/api/vendors/", AccessLevel.Admin],
        ["DELETE", "/api/vendors/999999", AccessLevel.Admin],
        ["GET", "/api/vendors/999999", AccessLevel.Admin],
        ["POST", "/api/vendors/", AccessLevel.Admin],
        ["PUT", "/api/vendors/", AccessLevel.Admin],
        ["GET", "/api/vendors/search", AccessLevel.Admin],
        ["GET", "/api/user/self", AccessLevel.User],
        ["PUT", "/api/user/self", AccessLevel.User],
        ["DELETE", "/api/user/self", AccessLevel.User], // last: it deletes the signed-in user
    ];

    [Fact]
    public async Task EveryRoute_AnswersAtItsLevel_AndRefusesOneLevelBelow()
    {
        await using var harness = await ManagementHarness.StartAsync();
        Assert.True((await harness.Root.SendAsync(HttpMethod.Post, "/api/verify", new { password = ManagementHarness.RootPassword })).Success);
        var failures = new List<string>();
        foreach (var route in Routes)
        {
            var method = new HttpMethod((string)route[0]);
            var path = (string)route[1];
            var level = (AccessLevel)route[2];
            var (at, below) = level switch
            {
                AccessLevel.Public => (harness.Anonymous, null),
                AccessLevel.User => (harness.User, harness.Anonymous),
                AccessLevel.Admin => (harness.Admin, harness.User),
                _ => (harness.Root, harness.Admin),
            };

            if (below is not null)
            {
                var refused = await below.SendAsync(method, path, rawBody: method == HttpMethod.Get ? null : "{}");
                var expected = level == AccessLevel.User ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
                if (refused.Status != expected || refused.Success)
                {
                    failures.Add($"{method} {path} one level below {level}: {(int)refused.Status} {refused.Text}");
                }
            }

            var answered = await at.SendAsync(method, path, rawBody: method == HttpMethod.Get ? null : "{}");
            if (answered.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound && answered.Text.Length == 0
                || answered.Status is HttpStatusCode.MethodNotAllowed or HttpStatusCode.InternalServerError
                || (answered.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && !IsDomainRefusal(path)))
            {
                failures.Add($"{method} {path} at {level}: {(int)answered.Status} {answered.Text}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task UserAdministration_NobodyChangesTheirOwnQuotaGroupOrRole_AdminsOnlyManageUsersBelowThem()
    {
        await using var h = await ManagementHarness.StartAsync(userQuota: 1000);

        // Through PUT /api/user/ (and the dashboard's user page, which calls it) an admin cannot raise their own quota, move groups or change role...
        foreach (var change in new object[] { new { id = h.AdminId, quota = 999_999_999 }, new { id = h.AdminId, group = "vip" }, new { id = h.AdminId, role = 100 } })
        {
            var refused = await h.Admin.SendAsync(HttpMethod.Put, "/api/user/", change);
            Assert.True(refused.Status == HttpStatusCode.Forbidden && !refused.Success, $"{(int)refused.Status} {refused.Text}");
        }

        Assert.Equal(HttpStatusCode.Forbidden, await DashboardForm.PostAsync(h.Admin, "/users", "/users/update", new() { ["id"] = $"{h.AdminId}", ["display_name"] = "admin", ["group"] = "default", ["quota"] = "999999999" }));
        var self = (await h.Admin.SendAsync(HttpMethod.Get, "/api/user/self")).Data!;
        Assert.Equal(1000, self["quota"]!.GetValue<long>());
        Assert.Equal("default", self["group"]!.GetValue<string>());
        Assert.Equal(10, self["role"]!.GetValue<int>());

        // ...nor can root; fields that grant nothing stay editable, and unchanged values (as edit forms send them) are fine.
        Assert.Equal(HttpStatusCode.Forbidden, (await h.Root.SendAsync(HttpMethod.Put, "/api/user/", new { id = h.RootId, quota = 5 })).Status);
        var renamed = await h.Admin.SendAsync(HttpMethod.Put, "/api/user/", new { id = h.AdminId, display_name = "The Admin", group = "default", quota = 1000 });
        Assert.True(renamed.Success, renamed.Message);
        Assert.Equal("The Admin", renamed.Data!["display_name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.Admin, "/users", "/users/update", new() { ["id"] = $"{h.AdminId}", ["display_name"] = "Admin again", ["group"] = "default", ["quota"] = "1000" }));

        // Root is root's: an admin can neither read nor change it...
        Assert.Equal(HttpStatusCode.Forbidden, (await h.Admin.SendAsync(HttpMethod.Get, $"/api/user/{h.RootId}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await h.Admin.SendAsync(HttpMethod.Put, "/api/user/", new { id = h.RootId, quota = 5 })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await h.Admin.SendAsync(HttpMethod.Post, "/api/user/manage", new { id = h.RootId, action = "disable" })).Status);

        // Nor list it: an admin's user list and search show the users below them, and themselves; root's shows everyone.
        var listed = (await h.Admin.SendAsync(HttpMethod.Get, "/api/user/?p=1&page_size=100")).Data!;
        Assert.Equal(["admin", "alice"], listed["items"]!.AsArray().Select(static u => u!["username"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(2, listed["total"]!.GetValue<long>());
        Assert.Equal(0, (await h.Admin.SendAsync(HttpMethod.Get, "/api/user/search?keyword=root")).Data!["total"]!.GetValue<long>());
        Assert.Equal(3, (await h.Root.SendAsync(HttpMethod.Get, "/api/user/")).Data!["total"]!.GetValue<long>());

        // An admin still manages common users; root manages admins. Roles change only through /api/user/manage.
        var alice = await h.Admin.SendAsync(HttpMethod.Put, "/api/user/", new { id = h.UserId, quota = 5000, group = "vip" });
        Assert.True(alice.Success, alice.Message);
        Assert.Equal(5000, alice.Data!["quota"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.Admin, "/users", "/users/update", new() { ["id"] = $"{h.UserId}", ["display_name"] = "Alice", ["group"] = "default", ["quota"] = "7000" }));
        Assert.Equal(7000, (await h.Admin.SendAsync(HttpMethod.Get, $"/api/user/{h.UserId}")).Data!["quota"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.BadRequest, (await h.Admin.SendAsync(HttpMethod.Put, "/api/user/", new { id = h.UserId, role = 10 })).Status);
        Assert.True((await h.Root.SendAsync(HttpMethod.Put, "/api/user/", new { id = h.AdminId, quota = 2000, group = "vip" })).Success);
        Assert.Equal(2000, (await h.Admin.SendAsync(HttpMethod.Get, "/api/user/self")).Data!["quota"]!.GetValue<long>());
    }

    // Routes whose answer at the right level may still be 401/403 for a reason that is not the level.
    private static bool IsDomainRefusal(string path) => path is "/api/user/self" or "/api/user/login";
}
