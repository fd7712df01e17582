using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Management;

/// <summary><c>POST /admin/import</c>, <c>POST /admin/test</c> and <c>GET /admin/export</c> (issue #15).</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task Import_KeysAndAccounts_AreUsable_AndDuplicatesSkipped()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        var channelId = (await SendAsync(h, HttpMethod.Get, "/admin/accounts", AdminKey)).Json!["items"]![0]!["channel_id"]!.GetValue<long>();
        const string KeyA = "sk-batch-import-key-a-0123456789";
        const string KeyB = "sk-batch-import-key-b-0123456789";

        var imported = await SendAsync(h, HttpMethod.Post, "/admin/import", AdminKey, $$"""
            {"keys": ["{{KeyA}}", {"key": "{{KeyB}}", "name": "b", "remain_quota": 500000}, "{{Settings.Key}}", "{{KeyA}}"],
             "accounts": [{"channel_id": {{channelId}}, "key": "sk-batch-upstream-1"}, {"channel": "upstream-a", "token": "{{Settings.UpstreamKey}}"}]}
            """);
        Assert.True(imported.Status == HttpStatusCode.OK, imported.Text);
        Assert.True(imported.Json!["success"]!.GetValue<bool>());
        Assert.Equal(2, imported.Json["imported_keys"]!.GetValue<int>());
        Assert.Equal(1, imported.Json["skipped_keys"]!.GetValue<int>()); // the configured key exists already
        Assert.Equal(1, imported.Json["imported_accounts"]!.GetValue<int>());
        Assert.Equal(1, imported.Json["skipped_accounts"]!.GetValue<int>()); // the channel has this upstream key already
        Assert.Equal(3, imported.Json["total_keys"]!.GetValue<long>());
        Assert.Equal(2, imported.Json["total_accounts"]!.GetValue<int>());
        Assert.DoesNotContain("sk-batch", imported.Text, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, KeyA));
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, KeyB));
        var keyB = (await SendAsync(h, HttpMethod.Get, "/admin/keys?page_size=100", AdminKey)).Json!["items"]!.AsArray().Single(k => k!["name"]!.GetValue<string>() == "b");
        Assert.False(keyB!["unlimited_quota"]!.GetValue<bool>());
        var accounts = await SendAsync(h, HttpMethod.Get, "/admin/accounts", AdminKey);
        Assert.Equal(2, accounts.Json!["total"]!.GetValue<long>());

        // The same import again changes nothing.
        var again = await SendAsync(h, HttpMethod.Post, "/admin/import", AdminKey, $$"""{"keys":["{{KeyA}}"],"accounts":[{"channel_id":{{channelId}},"key":"sk-batch-upstream-1"}]}""");
        Assert.Equal(0, again.Json!["imported_keys"]!.GetValue<int>());
        Assert.Equal(0, again.Json["imported_accounts"]!.GetValue<int>());
    }

    [Fact]
    public async Task Import_BadInput_Answers400_AndChangesNothing()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        const string Fresh = "sk-never-imported-0123456789";
        string[] bad =
        [
            "{}",
            """{"keys": "sk-not-an-array-0123"}""",
            $$"""{"keys": ["{{Fresh}}", "short"]}""",
            $$"""{"keys": ["{{Fresh}}", 42]}""",
            $$"""{"keys": [{"key": "{{Fresh}}", "name": "{{new string('n', 65)}}"}]}""",
            $$"""{"keys": [{"key": "{{Fresh}}", "remain_quota": -1}]}""",
            $$"""{"keys": ["{{Fresh}}"], "accounts": [{"key": "sk-no-channel-named"}]}""",
            $$"""{"keys": ["{{Fresh}}"], "accounts": [{"channel_id": 999999, "key": "sk-unknown-channel"}]}""",
            $$"""{"keys": ["{{Fresh}}"], "accounts": [{"channel": "upstream-a", "key": "sk-abcd...wxyz"}]}""",
            $$"""{"keys": ["{{Fresh}}"], "accounts": [{"channel": "upstream-a"}]}""",
            $$"""{"keys": ["{{Fresh}}"], "accounts": ["sk-just-a-string"]}""",
            "[1,2]",
            "not json",
        ];
        foreach (var body in bad)
        {
            var (status, json, text) = await SendAsync(h, HttpMethod.Post, "/admin/import", AdminKey, body);
            Assert.True(status == HttpStatusCode.BadRequest, $"{body}: {(int)status} {text}");
            Assert.NotNull(json!["detail"]);
        }

        Assert.Equal(1, (await SendAsync(h, HttpMethod.Get, "/admin/keys", AdminKey)).Json!["total"]!.GetValue<long>());
        Assert.Equal(1, (await SendAsync(h, HttpMethod.Get, "/admin/accounts", AdminKey)).Json!["total"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.Unauthorized, await RelayAsync(h, Fresh));
    }

    [Fact]
    public async Task Test_CallsThroughTheGateway_AndReportsFailuresAsResults()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;

        // Defaults: the first model the default group serves, the in-process identity, "Hello".
        var test = await SendAsync(h, HttpMethod.Post, "/admin/test", AdminKey, "{}");
        Assert.True(test.Status == HttpStatusCode.OK, test.Text);
        Assert.True(test.Json!["success"]!.GetValue<bool>(), test.Text);
        Assert.Equal(200, test.Json["status_code"]!.GetValue<int>());
        Assert.Equal("gpt-4o-mini", test.Json["model"]!.GetValue<string>());
        Assert.Equal("chatcmpl-test123", test.Json["response"]!["id"]!.GetValue<string>());
        Assert.Equal("Héllo ✓", test.Json["response"]!["content"]!.GetValue<string>());
        Assert.Equal(25, test.Json["response"]!["usage"]!["total_tokens"]!.GetValue<long>());
        Assert.True(upstream.Requests.TryDequeue(out var call));
        Assert.Contains("\"Hello\"", call.BodyText, StringComparison.Ordinal);
        Assert.Equal("Bearer " + Settings.UpstreamKey, call.Headers["Authorization"]);

        // With a gateway key and a message: the key's own checks apply.
        var keyed = await SendAsync(h, HttpMethod.Post, "/admin/test", AdminKey, $$"""{"api_key":"{{Settings.Key}}","message":"ping","model":"gpt-4o-mini"}""");
        Assert.True(keyed.Json!["success"]!.GetValue<bool>(), keyed.Text);
        Assert.True(upstream.Requests.TryDequeue(out var keyedCall));
        Assert.Contains("\"ping\"", keyedCall.BodyText, StringComparison.Ordinal);

        var wrongKey = await SendAsync(h, HttpMethod.Post, "/admin/test", AdminKey, """{"api_key":"sk-wrong-key-000000000000000"}""");
        Assert.Equal(HttpStatusCode.OK, wrongKey.Status);
        Assert.False(wrongKey.Json!["success"]!.GetValue<bool>());
        Assert.Equal(401, wrongKey.Json["status_code"]!.GetValue<int>());
        Assert.DoesNotContain("sk-wrong-key-000000000000000", wrongKey.Text, StringComparison.Ordinal);

        var unknownModel = await SendAsync(h, HttpMethod.Post, "/admin/test", AdminKey, """{"model":"no-such-model"}""");
        Assert.False(unknownModel.Json!["success"]!.GetValue<bool>());
        Assert.InRange(unknownModel.Json["status_code"]!.GetValue<int>(), 400, 599);
        Assert.NotNull(unknownModel.Json["error"]!["message"]);

        // Bad input never reaches the upstream.
        upstream.Requests.Clear();
        foreach (var body in (string[])["""{"model":5}""", """{"message":["x"]}""", "nope"])
        {
            var refused = await SendAsync(h, HttpMethod.Post, "/admin/test", AdminKey, body);
            Assert.True(refused.Status == HttpStatusCode.BadRequest, $"{body}: {refused.Text}");
            Assert.NotNull(refused.Json!["detail"]);
        }

        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Export_GivesJsonAndBase64OfTheConfig()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        var export = await SendAsync(h, HttpMethod.Get, "/admin/export", AdminKey);
        Assert.True(export.Status == HttpStatusCode.OK, export.Text);
        Assert.Null(export.Json!["config"]);
        var json = export.Json["json"]!.GetValue<string>();
        Assert.Equal(json, Encoding.UTF8.GetString(Convert.FromBase64String(export.Json["base64"]!.GetValue<string>())));
        var config = JsonNode.Parse(json)!;
        Assert.Equal("upstream-a", config["channels"]![0]!["name"]!.GetValue<string>());
        Assert.Single(config["tokens"]!.AsArray());
        Assert.DoesNotContain(Settings.UpstreamKey, export.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Settings.Key, export.Text, StringComparison.Ordinal);
        Assert.False(export.Json["secrets_included"]!.GetValue<bool>());

        // The export imports back through /admin/config/import unchanged.
        var reimport = await SendAsync(h, HttpMethod.Post, "/admin/config/import", AdminKey, json);
        Assert.True(reimport.Status == HttpStatusCode.OK, reimport.Text);
        Assert.Equal(1, reimport.Json!["channels"]!["updated"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));
    }
}
