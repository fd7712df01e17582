using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;

namespace LlmRelay.FunctionalTests.Management;

/// <summary><c>GET /admin/export</c> into <c>POST /admin/config/import</c> of a fresh gateway: what an operator edited at run time comes along (issue #15).</summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task Export_ImportedIntoAFreshGateway_BehavesTheSame()
    {
        // FamilyUpstream answers every call with 12 prompt and 4 completion tokens, so a charge shows the prices in force.
        var (first, upstream) = await StartAsync(handler: FamilyUpstream.Handler);
        await using var _ = first;
        await using var __ = upstream;

        // Run-time edits: options (pricing, selection policy, usable groups, quota unit), a channel with its own timeouts,
        // keys with address lists, and the hot settings of PUT /admin/settings.
        foreach (var (key, value) in new[]
        {
            ("QuotaPerUnit", "1000"),
            ("ModelRatio", """{"gpt-4o-mini":2.5}"""),
            ("CompletionRatio", """{"gpt-4o-mini":3}"""),
            ("GroupRatio", """{"default":2}"""),
            ("GroupSelectionPolicies", """{"default":"round-robin"}"""),
            ("UserUsableGroups", """{"default":"Default group","vip":"VIP"}"""),
            ("SystemName", "Exported relay"),
        })
        {
            var set = await first.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key, value });
            Assert.True(set.Success, set.Text);
        }

        var channel = await first.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new
        {
            mode = "single",
            channel = new { name = "timed", type = "openai", base_url = upstream.BaseUrl, key = "sk-timed-upstream-key", models = new[] { "other-model" }, connect_timeout_ms = 2500, first_byte_timeout_ms = 60000, idle_timeout_ms = 15000,
                model_capabilities = new Dictionary<string, object> { ["other-model"] = new { reasoning = "None", max_output_tokens = 1234 } } },
        });
        Assert.True(channel.Success, channel.Text);
        var local = await first.Root.SendAsync(HttpMethod.Post, "/api/token/", new { name = "loopback-only", unlimited_quota = true, allow_ips = new[] { "127.0.0.1" } });
        var remote = await first.Root.SendAsync(HttpMethod.Post, "/api/token/", new { name = "office-only", unlimited_quota = true, allow_ips = new[] { "10.0.0.0/8" } });
        Assert.True(local.Success && remote.Success, local.Text + remote.Text);
        var localKey = local.Data!["key"]!.GetValue<string>();
        var remoteKey = remote.Data!["key"]!.GetValue<string>();
        var settings = await SendAsync(first, HttpMethod.Put, "/admin/settings", AdminKey, """{"runtime":{"max_attempts":2,"idle_timeout_seconds":120},"dev_captures":{"enabled":true,"limit":7}}""");
        Assert.True(settings.Status == HttpStatusCode.OK, settings.Text);

        var export = await SendAsync(first, HttpMethod.Get, "/admin/export?include_secrets=true", AdminKey);
        Assert.True(export.Status == HttpStatusCode.OK, export.Text);
        var exported = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(export.Json!["base64"]!.GetValue<string>())))!;

        // A fresh gateway with nothing configured but its admin key.
        await using var second = await ManagementHarness.StartAsync(new() { ["LlmRelay:Admin:Key"] = AdminKey });
        var import = await SendAsync(second, HttpMethod.Post, "/admin/config/import", AdminKey, new JsonObject { ["config"] = exported, ["mode"] = "replace" }.ToJsonString());
        Assert.True(import.Status == HttpStatusCode.OK, import.Text);
        Assert.Equal(2, import.Json!["channels"]!["added"]!.GetValue<int>());
        Assert.Equal(3, import.Json["tokens"]!["added"]!.GetValue<int>());

        // The same export, option list and hot settings on both (token ownership aside: users are not exported).
        var again = await SendAsync(second, HttpMethod.Get, "/admin/export?include_secrets=true", AdminKey);
        Assert.Equal(WithoutOwners(export.Json["json"]!.GetValue<string>()), WithoutOwners(again.Json!["json"]!.GetValue<string>()));
        Assert.Equal((await first.Root.SendAsync(HttpMethod.Get, "/api/option/")).Data!.ToJsonString(), (await second.Root.SendAsync(HttpMethod.Get, "/api/option/")).Data!.ToJsonString());
        var hot = (await SendAsync(second, HttpMethod.Get, "/admin/settings", AdminKey)).Json!;
        Assert.Equal(2, hot["runtime"]!["max_attempts"]!.GetValue<int>());
        Assert.Equal(120, hot["runtime"]!["idle_timeout_seconds"]!.GetValue<long>());
        Assert.True(hot["dev_captures"]!["enabled"]!.GetValue<bool>());
        Assert.Equal(7, hot["dev_captures"]!["limit"]!.GetValue<int>());
        var timed = (await second.Admin.SendAsync(HttpMethod.Get, "/api/channel/?p=1&page_size=10")).Data!["items"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "timed")!;
        Assert.Equal(60000, timed["first_byte_timeout_ms"]!.GetValue<long>());
        Assert.Equal(1234, timed["model_capabilities"]!["other-model"]!["max_output_tokens"]!.GetValue<int>());
        Assert.Equal("None", timed["model_capabilities"]!["other-model"]!["reasoning"]!.GetValue<string>());

        // Behaviour: the same charge at the imported prices ((12 + 4 x 3) x 2.5 x 2 = 120), the same address rules, captures on.
        foreach (var h in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));
            Assert.Equal(120, (await h.Gateway.WaitForLogsAsync(1)).Single().Quota);
            Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, localKey));
            Assert.Equal(HttpStatusCode.Forbidden, await RelayAsync(h, remoteKey));
            var captures = await SendAsync(h, HttpMethod.Get, "/admin/dev/captures", AdminKey);
            Assert.NotEmpty(captures.Json!["items"]!.AsArray());
            Assert.Contains("Exported relay", (await h.Anonymous.SendAsync(HttpMethod.Get, "/api/status")).Text, StringComparison.Ordinal);
        }

        // A bad option in an import is refused by the option's own rule, before anything is written.
        exported["options"]!["QuotaPerUnit"] = "0";
        exported["channels"]!.AsArray().Add(JsonNode.Parse($$"""{"name":"late","base_url":"{{upstream.BaseUrl}}","keys":["sk-late-upstream-key"],"models":["m"]}"""));
        var refused = await SendAsync(second, HttpMethod.Post, "/admin/config/import", AdminKey, new JsonObject { ["config"] = exported.DeepClone() }.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("'QuotaPerUnit'", refused.Json!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("late", (await SendAsync(second, HttpMethod.Get, "/admin/config", AdminKey)).Text, StringComparison.Ordinal);
    }

    /// <summary>The export without token ownership (<c>user_id</c>): users are not exported, so imported keys are unowned.</summary>
    private static string WithoutOwners(string json)
    {
        var config = JsonNode.Parse(json)!;
        foreach (var token in config["tokens"]!.AsArray())
        {
            token!.AsObject().Remove("user_id");
        }

        return config.ToJsonString();
    }
}
