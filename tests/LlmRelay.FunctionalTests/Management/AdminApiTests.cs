using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The ds2api-style admin API (<c>/admin/...</c>) over real HTTP: JWT login, settings, config import/export, key and account pools, queue status.</summary>
public sealed partial class AdminApiTests
{
    private const string AdminKey = "admin-key-for-tests-123";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Routes other than login and verify; {id} values exist nowhere, so calls cannot change anything.
    private static readonly string[][] SecuredRoutes =
    [
        ["GET", "/admin/settings"],
        ["PUT", "/admin/settings"],
        ["POST", "/admin/settings/password"],
        ["GET", "/admin/queue/status"],
        ["GET", "/admin/config"],
        ["POST", "/admin/config"],
        ["GET", "/admin/config/export"],
        ["POST", "/admin/config/import"],
        ["GET", "/admin/keys"],
        ["POST", "/admin/keys"],
        ["DELETE", "/admin/keys/sk-none-000000000"],
        ["GET", "/admin/accounts"],
        ["POST", "/admin/accounts"],
        ["DELETE", "/admin/accounts/999:000000000000"],
        ["POST", "/admin/accounts/test"],
        ["POST", "/admin/accounts/test-all"],
        ["POST", "/admin/import"],
        ["POST", "/admin/test"],
        ["GET", "/admin/export"],
        ["GET", "/admin/dev/captures"],
        ["DELETE", "/admin/dev/captures"],
    ];

    private static async Task<(ManagementHarness Harness, MockUpstream Upstream)> StartAsync(bool withKey = true, string? jwtSecret = null, Dictionary<string, string?>? extra = null, Func<Microsoft.AspNetCore.Http.HttpContext, RecordedRequest, Task>? handler = null)
    {
        var upstream = await MockUpstream.StartAsync(handler ?? MockUpstream.Json(WireSamples.ChatResponse));
        var settings = Settings.Merge(Settings.Channel(0, upstream.BaseUrl, ["gpt-4o-mini"], name: "upstream-a"), Settings.Token(), extra ?? []);
        if (withKey)
        {
            settings["LlmRelay:Admin:Key"] = AdminKey;
        }

        if (jwtSecret is not null)
        {
            settings["LlmRelay:Admin:JwtSecret"] = jwtSecret;
        }

        try
        {
            return (await ManagementHarness.StartAsync(settings), upstream);
        }
        catch
        {
            await upstream.DisposeAsync(); // a gateway that refuses to start (invalid options) leaves no upstream running
            throw;
        }
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Json, string Text)> SendAsync(ManagementHarness h, HttpMethod method, string path, string? bearer = null, string? body = null)
    {
        using var http = new HttpClient { BaseAddress = h.Gateway.BaseAddress };
        using var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        JsonNode? json = null;
        try
        {
            json = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return (response.StatusCode, json, text);
    }

    private static async Task<string> LoginAsync(ManagementHarness h, string key = AdminKey)
    {
        var (status, json, text) = await SendAsync(h, HttpMethod.Post, "/admin/login", body: $$"""{"admin_key":"{{key}}","expire_hours":2}""");
        Assert.True(status == HttpStatusCode.OK, text);
        Assert.True(json!["success"]!.GetValue<bool>());
        Assert.InRange(json["expires_in"]!.GetValue<long>(), 7000, 7201);
        return json["token"]!.GetValue<string>();
    }

    private static async Task<HttpStatusCode> RelayAsync(ManagementHarness h, string key)
    {
        using var http = h.Gateway.CreateGatewayClient(key);
        using var response = await http.PostAsync("/v1/chat/completions", new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task Verify_HandMadeTokens_OnlyAProperlySignedCurrentAdminTokenPasses()
    {
        const string Secret = "jwt-secret-for-tests-0123456789";
        var (h, upstream) = await StartAsync(jwtSecret: Secret);
        await using var _ = h;
        await using var __ = upstream;
        var key = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Secret));
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        var iat = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // The issued token's shape, signed by hand with the configured secret: accepted (so the refusals below are about what they change).
        var good = Jwt("""{"alg":"HS256","typ":"JWT"}""", $$"""{"sub":"admin","pv":0,"iat":{{iat}},"exp":{{exp}}}""", key);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(h, HttpMethod.Get, "/admin/verify", bearer: good)).Status);

        string[] forged =
        [
            Jwt("""{"alg":"none","typ":"JWT"}""", $$"""{"sub":"admin","pv":0,"exp":{{exp}}}""", null), // unsigned
            Jwt("""{"alg":"HS256","typ":"JWT"}""", $$"""{"sub":"admin","pv":0,"exp":{{exp}}}""", System.Security.Cryptography.SHA256.HashData("another secret"u8)), // another key
            Jwt("""{"alg":"HS256","typ":"JWT"}""", $$"""{"sub":"someone","pv":0,"exp":{{exp}}}""", key), // not the admin
            Jwt("""{"alg":"HS256","typ":"JWT"}""", $$"""{"sub":"admin","pv":7,"exp":{{exp}}}""", key), // another password version
            Jwt("""{"alg":"HS256","typ":"JWT"}""", $$"""{"sub":"admin","pv":0,"exp":{{iat - 60}}}""", key), // expired
            good[..^5] + (good[^5] == 'A' ? "B" : "A") + good[^4..], // signature altered (a character that carries only signature bits)
        ];
        foreach (var token in forged)
        {
            var (status, json, text) = await SendAsync(h, HttpMethod.Get, "/admin/verify", bearer: token);
            Assert.True(status == HttpStatusCode.Unauthorized, $"{token}: {status} {text}");
            Assert.NotNull(json!["detail"]);
        }

        static string Jwt(string header, string payload, byte[]? key)
        {
            var input = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
            var signature = key is null ? "" : System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(input)));
            return input + "." + signature;
        }
    }

    [Fact]
    public async Task EveryRoute_WithoutAdminKeyConfigured_Answers404WithDetail()
    {
        var (h, upstream) = await StartAsync(withKey: false);
        await using var _ = h;
        await using var __ = upstream;
        foreach (var route in SecuredRoutes.Append(["POST", "/admin/login"]).Append(["GET", "/admin/verify"]))
        {
            var (status, json, text) = await SendAsync(h, new HttpMethod(route[0]), route[1], bearer: AdminKey, body: route[0] == "GET" ? null : "{}");
            Assert.True(status == HttpStatusCode.NotFound, $"{route[0]} {route[1]}: {(int)status} {text}");
            Assert.Contains("LlmRelay:Admin:Key", json!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EverySecuredRoute_RefusesWithoutCredentials_AndAnswersWithKeyOrJwt()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        var jwt = await LoginAsync(h);
        var failures = new List<string>();
        var routeIndex = 0;
        foreach (var route in SecuredRoutes.Where(static r => r[1] != "/admin/settings/password"))
        {
            var method = new HttpMethod(route[0]);
            var body = route[0] == "GET" ? null : "{}";

            // Failed attempts are limited per client address (Security/AdminKeyGuessingTests): each route's wrong
            // credentials come from an address of their own, so every one of them is answered 401 here.
            using var guesser = new Security.RawClient(h.Gateway.BaseAddress, $"127.0.0.{10 + routeIndex++}");
            foreach (var bearer in (string?[])[null, "wrong-key", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA", jwt.Remove(jwt.Length - 3) + "abc"])
            {
                var refused = await guesser.SendAsync(method, route[1], body, bearer: bearer);
                if (refused.Status != HttpStatusCode.Unauthorized || refused.Json?["detail"] is null)
                {
                    failures.Add($"{route[0]} {route[1]} with '{bearer}': {(int)refused.Status} {refused.Text}");
                }
            }

            // A management session (cookie) is not an admin credential.
            var session = await h.Root.SendAsync(method, route[1], rawBody: body);
            if (session.Status != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{route[0]} {route[1]} with a root session: {(int)session.Status}");
            }

            foreach (var bearer in (string[])[AdminKey, jwt])
            {
                var (status, _, text) = await SendAsync(h, method, route[1], bearer, body);
                if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.MethodNotAllowed or HttpStatusCode.InternalServerError)
                {
                    failures.Add($"{route[0]} {route[1]} authenticated: {(int)status} {text}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Login_And_Verify()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        var wrong = await SendAsync(h, HttpMethod.Post, "/admin/login", body: """{"admin_key":"not-the-key"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.NotNull(wrong.Json!["detail"]);
        var missing = await SendAsync(h, HttpMethod.Post, "/admin/login", body: "{}");
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        var notJson = await SendAsync(h, HttpMethod.Post, "/admin/login", body: "admin_key=x");
        Assert.Equal(HttpStatusCode.BadRequest, notJson.Status);
        var badHours = await SendAsync(h, HttpMethod.Post, "/admin/login", body: $$"""{"admin_key":"{{AdminKey}}","expire_hours":100000}""");
        Assert.Equal(HttpStatusCode.BadRequest, badHours.Status);

        var jwt = await LoginAsync(h);
        Assert.Equal(3, jwt.Split('.').Length);
        var verify = await SendAsync(h, HttpMethod.Get, "/admin/verify", jwt);
        Assert.Equal(HttpStatusCode.OK, verify.Status);
        Assert.True(verify.Json!["valid"]!.GetValue<bool>());
        Assert.InRange(verify.Json["remaining_seconds"]!.GetValue<long>(), 7000, 7200);
        Assert.InRange(verify.Json["expires_at"]!.GetValue<long>(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 7000, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 7201);

        // verify takes the JWT only, never the raw key.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(h, HttpMethod.Get, "/admin/verify", AdminKey)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(h, HttpMethod.Get, "/admin/verify")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(h, HttpMethod.Post, "/admin/login", body: $$"""{"password":"{{AdminKey}}"}""")).Status);
    }

    [Fact]
    public async Task Settings_HotUpdate_AndRefusals()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        var settings = await SendAsync(h, HttpMethod.Get, "/admin/settings", AdminKey);
        Assert.Equal(3, settings.Json!["runtime"]!["max_attempts"]!.GetValue<int>());
        Assert.Equal(24, settings.Json["admin"]!["jwt_expire_hours"]!.GetValue<int>());
        Assert.Contains("runtime.concurrency", settings.Json["restart_required"]!.AsArray().Select(static k => k!.GetValue<string>()));

        var put = await SendAsync(h, HttpMethod.Put, "/admin/settings", AdminKey, """{"runtime":{"max_attempts":1,"first_byte_timeout_seconds":42},"admin":{"jwt_expire_hours":3}}""");
        Assert.True(put.Status == HttpStatusCode.OK, put.Text);
        Assert.Equal(3, put.Json!["applied"]!.AsArray().Count);
        var after = await SendAsync(h, HttpMethod.Get, "/admin/settings", AdminKey);
        Assert.Equal(1, after.Json!["runtime"]!["max_attempts"]!.GetValue<int>());
        Assert.Equal(42, after.Json["runtime"]!["first_byte_timeout_seconds"]!.GetValue<int>());
        var login = await SendAsync(h, HttpMethod.Post, "/admin/login", body: $$"""{"admin_key":"{{AdminKey}}"}""");
        Assert.InRange(login.Json!["expires_in"]!.GetValue<long>(), 3 * 3600 - 5, 3 * 3600 + 1);
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key)); // the relay still works with the new values

        var restart = await SendAsync(h, HttpMethod.Put, "/admin/settings", AdminKey, """{"runtime":{"concurrency":{"max_in_flight":5}}}""");
        Assert.Equal(HttpStatusCode.Conflict, restart.Status);
        Assert.Contains("restart", restart.Json!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var bad = await SendAsync(h, HttpMethod.Put, "/admin/settings", AdminKey, """{"runtime":{"max_attempts":0}}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("max_attempts", bad.Json!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var notObject = await SendAsync(h, HttpMethod.Put, "/admin/settings", AdminKey, """{"runtime":5}""");
        Assert.Equal(HttpStatusCode.BadRequest, notObject.Status);
        Assert.Equal(1, (await SendAsync(h, HttpMethod.Get, "/admin/settings", AdminKey)).Json!["runtime"]!["max_attempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task ChangePassword_InvalidatesOldJwtsAndTheOldKey()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        var old = await LoginAsync(h);
        var tooShort = await SendAsync(h, HttpMethod.Post, "/admin/settings/password", old, """{"new_password":"short"}""");
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.Status);
        var missing = await SendAsync(h, HttpMethod.Post, "/admin/settings/password", old, "{}");
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);

        var changed = await SendAsync(h, HttpMethod.Post, "/admin/settings/password", old, """{"new_password":"a-new-admin-password"}""");
        Assert.True(changed.Status == HttpStatusCode.OK, changed.Text);
        Assert.Equal(1, changed.Json!["password_version"]!.GetValue<int>());

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(h, HttpMethod.Get, "/admin/verify", old)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(h, HttpMethod.Get, "/admin/settings", old)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(h, HttpMethod.Get, "/admin/settings", AdminKey)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(h, HttpMethod.Post, "/admin/login", body: $$"""{"admin_key":"{{AdminKey}}"}""")).Status);

        var fresh = await LoginAsync(h, "a-new-admin-password");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(h, HttpMethod.Get, "/admin/verify", fresh)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(h, HttpMethod.Get, "/admin/settings", "a-new-admin-password")).Status);
        Assert.True((await SendAsync(h, HttpMethod.Get, "/admin/settings", fresh)).Json!["admin"]!["password_changed"]!.GetValue<bool>());
        // The stored value is a hash: the option listing never shows it, and the password is nowhere in it.
        var options = await h.Root.SendAsync(HttpMethod.Get, "/api/option/");
        Assert.DoesNotContain("LlmRelay.Admin", options.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_AddListDelete_ControlTheRelay()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        const string NewKey = "sk-admin-added-key-0123456789";
        Assert.Equal(HttpStatusCode.Unauthorized, await RelayAsync(h, NewKey));

        var added = await SendAsync(h, HttpMethod.Post, "/admin/keys", AdminKey, $$"""{"key":"{{NewKey}}","name":"from-admin"}""");
        Assert.True(added.Status == HttpStatusCode.OK, added.Text);
        Assert.Equal(2, added.Json!["total_keys"]!.GetValue<long>());
        Assert.Null(added.Json["key"]);
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, NewKey));

        var generated = await SendAsync(h, HttpMethod.Post, "/admin/keys", AdminKey, "{}");
        var generatedKey = generated.Json!["key"]!.GetValue<string>();
        Assert.StartsWith("sk-", generatedKey, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, generatedKey));

        var list = await SendAsync(h, HttpMethod.Get, "/admin/keys?page=1&page_size=2", AdminKey);
        Assert.Equal(3, list.Json!["total"]!.GetValue<long>());
        Assert.Equal(2, list.Json["items"]!.AsArray().Count);
        Assert.Equal(2, list.Json["total_pages"]!.GetValue<long>());
        var page2 = await SendAsync(h, HttpMethod.Get, "/admin/keys?page=2&page_size=2", AdminKey);
        Assert.Single(page2.Json!["items"]!.AsArray());
        Assert.DoesNotContain(NewKey, list.Text + page2.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(generatedKey, list.Text + page2.Text, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(h, HttpMethod.Post, "/admin/keys", AdminKey, $$"""{"key":"{{NewKey}}"}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(h, HttpMethod.Post, "/admin/keys", AdminKey, """{"key":"short"}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(h, HttpMethod.Get, "/admin/keys?page_size=500", AdminKey)).Status);

        var deleted = await SendAsync(h, HttpMethod.Delete, "/admin/keys/" + NewKey, AdminKey);
        Assert.True(deleted.Status == HttpStatusCode.OK, deleted.Text);
        Assert.Equal(2, deleted.Json!["total_keys"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.Unauthorized, await RelayAsync(h, NewKey));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(h, HttpMethod.Delete, "/admin/keys/" + NewKey, AdminKey)).Status);
    }

    [Fact]
    public async Task Accounts_ListAddTestDelete_AndQueueStatus()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        var list = await SendAsync(h, HttpMethod.Get, "/admin/accounts", AdminKey);
        Assert.Equal(1, list.Json!["total"]!.GetValue<long>());
        var first = list.Json["items"]![0]!;
        Assert.Equal("upstream-a", first["channel_name"]!.GetValue<string>());
        Assert.DoesNotContain(Settings.UpstreamKey, list.Text, StringComparison.Ordinal);
        var channelId = first["channel_id"]!.GetValue<long>();

        var added = await SendAsync(h, HttpMethod.Post, "/admin/accounts", AdminKey, $$"""{"channel_id":{{channelId}},"key":"sk-second-upstream-key-xyz"}""");
        Assert.True(added.Status == HttpStatusCode.OK, added.Text);
        Assert.Equal(2, added.Json!["total_accounts"]!.GetValue<long>());
        var identifier = added.Json["identifier"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(h, HttpMethod.Post, "/admin/accounts", AdminKey, $$"""{"channel_id":{{channelId}},"key":"sk-second-upstream-key-xyz"}""")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(h, HttpMethod.Post, "/admin/accounts", AdminKey, """{"channel_id":999999,"key":"sk-x-123456"}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(h, HttpMethod.Post, "/admin/accounts", AdminKey, """{"key":"sk-x-123456"}""")).Status);

        upstream.Requests.Clear();
        var test = await SendAsync(h, HttpMethod.Post, "/admin/accounts/test", AdminKey, $$"""{"identifier":"{{identifier}}"}""");
        Assert.True(test.Status == HttpStatusCode.OK, test.Text);
        Assert.True(test.Json!["success"]!.GetValue<bool>(), test.Text);
        Assert.Equal("gpt-4o-mini", test.Json["model"]!.GetValue<string>());
        Assert.True(upstream.Requests.TryDequeue(out var call));
        Assert.Equal("Bearer sk-second-upstream-key-xyz", call.Headers["Authorization"]);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(h, HttpMethod.Post, "/admin/accounts/test", AdminKey, """{"identifier":"1:000000000000"}""")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(h, HttpMethod.Post, "/admin/accounts/test", AdminKey, "{}")).Status);

        var all = await SendAsync(h, HttpMethod.Post, "/admin/accounts/test-all", AdminKey);
        Assert.Equal(2, all.Json!["total"]!.GetValue<int>());
        Assert.Equal(2, all.Json["success"]!.GetValue<int>());

        var queue = await SendAsync(h, HttpMethod.Get, "/admin/queue/status", AdminKey);
        Assert.Equal(2, queue.Json!["total"]!.GetValue<int>());
        Assert.Equal(2, queue.Json["available"]!.GetValue<int>());
        Assert.Equal(0, queue.Json["in_use"]!.GetValue<int>());
        Assert.Contains(identifier, queue.Json["available_accounts"]!.AsArray().Select(static a => a!.GetValue<string>()));
        Assert.NotNull(queue.Json["queue_limit"]);

        var deleted = await SendAsync(h, HttpMethod.Delete, "/admin/accounts/" + identifier, AdminKey);
        Assert.True(deleted.Status == HttpStatusCode.OK, deleted.Text);
        Assert.Equal(1, deleted.Json!["total_accounts"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(h, HttpMethod.Delete, "/admin/accounts/" + identifier, AdminKey)).Status);
        var last = first["identifier"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(h, HttpMethod.Delete, "/admin/accounts/" + last, AdminKey)).Status);
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));
    }

    [Fact]
    public async Task Config_MaskedRead_Export_AndImportMergeReplace()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        var config = await SendAsync(h, HttpMethod.Get, "/admin/config", AdminKey);
        Assert.Single(config.Json!["channels"]!.AsArray());
        Assert.Single(config.Json["tokens"]!.AsArray());
        Assert.DoesNotContain(Settings.UpstreamKey, config.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Settings.Key, config.Text, StringComparison.Ordinal);

        var masked = await SendAsync(h, HttpMethod.Get, "/admin/config/export", AdminKey);
        Assert.False(masked.Json!["secrets_included"]!.GetValue<bool>());
        Assert.DoesNotContain(Settings.UpstreamKey, masked.Text, StringComparison.Ordinal);
        var full = await SendAsync(h, HttpMethod.Get, "/admin/config/export?include_secrets=true", AdminKey);
        Assert.Contains(Settings.UpstreamKey, full.Json!["config"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(full.Json["json"]!.GetValue<string>(), Encoding.UTF8.GetString(Convert.FromBase64String(full.Json["base64"]!.GetValue<string>())));
        Assert.DoesNotContain(Settings.Key, full.Text, StringComparison.Ordinal); // gateway keys exist only as hashes

        // Merge: a masked export re-imported keeps the stored upstream key; a new channel and a new key are added.
        var exported = masked.Json["config"]!.AsObject();
        exported["channels"]!.AsArray().Add(JsonNode.Parse($$"""{"name":"upstream-b","type":"openai","base_url":"{{upstream.BaseUrl}}","keys":["sk-b-upstream-key-000"],"models":["gpt-4o"]}"""));
        exported["tokens"]!.AsArray().Add(JsonNode.Parse("""{"name":"imported","key":"sk-imported-key-0123456789","unlimited_quota":true}"""));
        var merge = await SendAsync(h, HttpMethod.Post, "/admin/config/import", AdminKey, new JsonObject { ["config"] = exported.DeepClone(), ["mode"] = "merge" }.ToJsonString());
        Assert.True(merge.Status == HttpStatusCode.OK, merge.Text);
        Assert.Equal(1, merge.Json!["channels"]!["added"]!.GetValue<int>());
        Assert.Equal(1, merge.Json["channels"]!["updated"]!.GetValue<int>());
        Assert.Equal(1, merge.Json["tokens"]!["added"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, "sk-imported-key-0123456789"));
        upstream.Requests.Clear();
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));
        Assert.True(upstream.Requests.TryDequeue(out var call));
        Assert.Equal("Bearer " + Settings.UpstreamKey, call.Headers["Authorization"]);

        // Bad input changes nothing.
        var bad = await SendAsync(h, HttpMethod.Post, "/admin/config/import", AdminKey, """{"channels":[{"name":"broken","base_url":"ftp://x","keys":["k"],"models":["m"]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("base_url", bad.Json!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var newMasked = await SendAsync(h, HttpMethod.Post, "/admin/config/import", AdminKey, $$"""{"channels":[{"name":"new-c","base_url":"{{upstream.BaseUrl}}","keys":["sk-abcd...wxyz"],"models":["m"]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, newMasked.Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(h, HttpMethod.Post, "/admin/config/import?mode=wipe", AdminKey, "{}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(h, HttpMethod.Post, "/admin/config/import", AdminKey, """{"tokens":[{"name":"no-key"}]}""")).Status);
        Assert.Equal(2, (await SendAsync(h, HttpMethod.Get, "/admin/config", AdminKey)).Json!["channels"]!.AsArray().Count);

        // Replace: only upstream-b and the imported key remain.
        var replace = await SendAsync(h, HttpMethod.Post, "/admin/config/import?mode=replace", AdminKey, $$"""
            {"channels":[{"name":"upstream-b","type":"openai","base_url":"{{upstream.BaseUrl}}","keys":["sk-b...000"],"models":["gpt-4o-mini"]}],
             "tokens":[{"name":"imported","key":"sk-imported-key-0123456789","unlimited_quota":true}]}
            """);
        Assert.True(replace.Status == HttpStatusCode.OK, replace.Text);
        Assert.Equal(1, replace.Json!["channels"]!["removed"]!.GetValue<int>());
        Assert.Equal(1, replace.Json["tokens"]!["removed"]!.GetValue<int>());
        var after = await SendAsync(h, HttpMethod.Get, "/admin/config", AdminKey);
        Assert.Equal("upstream-b", after.Json!["channels"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, await RelayAsync(h, Settings.Key));
        upstream.Requests.Clear();
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, "sk-imported-key-0123456789"));
        Assert.True(upstream.Requests.TryDequeue(out var viaB));
        Assert.Equal("Bearer sk-b-upstream-key-000", viaB.Headers["Authorization"]);
    }
}
