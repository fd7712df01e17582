using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;

namespace LlmRelay.FunctionalTests.Management;

/// <summary><c>GET</c> and <c>DELETE /admin/dev/captures</c>: the bounded, off-by-default record of upstream exchanges (issue #15).</summary>
public sealed partial class AdminApiTests
{
    private static Dictionary<string, string?> Captures(int limit, int maxBodyBytes) => new()
    {
        ["LlmRelay:Captures:Enabled"] = "true",
        ["LlmRelay:Captures:Limit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LlmRelay:Captures:MaxBodyBytes"] = maxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Captures_OffByDefault_RecordNothing()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));

        var captures = await SendAsync(h, HttpMethod.Get, "/admin/dev/captures", AdminKey);
        Assert.True(captures.Status == HttpStatusCode.OK, captures.Text);
        Assert.False(captures.Json!["enabled"]!.GetValue<bool>());
        Assert.Equal(20, captures.Json["limit"]!.GetValue<int>());
        Assert.Equal(65536, captures.Json["max_body_bytes"]!.GetValue<int>());
        Assert.Empty(captures.Json["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(h, HttpMethod.Get, "/admin/dev/captures?channel_id=abc", AdminKey)).Status);
    }

    [Fact]
    public async Task Captures_On_RecordRelayedCallsRedacted_WithinLimitAndCap_AndDeleteClears()
    {
        var (h, upstream) = await StartAsync(extra: Captures(limit: 2, maxBodyBytes: 40));
        await using var _ = h;
        await using var __ = upstream;
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));

        var first = await SendAsync(h, HttpMethod.Get, "/admin/dev/captures", AdminKey);
        Assert.True(first.Json!["enabled"]!.GetValue<bool>());
        var item = Assert.Single(first.Json["items"]!.AsArray())!;
        Assert.Equal("upstream-a", item["channel_name"]!.GetValue<string>());
        Assert.True(item["completed"]!.GetValue<bool>());
        Assert.NotNull(item["duration_ms"]);
        Assert.Equal("POST", item["request"]!["method"]!.GetValue<string>());
        Assert.Equal(upstream.BaseUrl + "/v1/chat/completions", item["request"]!["url"]!.GetValue<string>());
        Assert.Equal("[redacted]", item["request"]!["headers"]!["Authorization"]!.GetValue<string>());
        Assert.Equal(40, Encoding.UTF8.GetByteCount(item["request"]!["body"]!.GetValue<string>()));
        Assert.True(item["request"]!["body_truncated"]!.GetValue<bool>());
        Assert.StartsWith("{\"model\":\"gpt-4o-mini\"", item["request"]!["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(200, item["response"]!["status_code"]!.GetValue<int>());
        Assert.Equal("application/json", item["response"]!["headers"]!["Content-Type"]!.GetValue<string>());
        Assert.Equal(WireSamples.ChatResponse[..40], item["response"]!["body"]!.GetValue<string>());
        Assert.Equal(Encoding.UTF8.GetByteCount(WireSamples.ChatResponse), item["response"]!["body_bytes"]!.GetValue<long>());
        Assert.True(item["response"]!["body_truncated"]!.GetValue<bool>());
        Assert.DoesNotContain(Settings.UpstreamKey, first.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Settings.Key, first.Text, StringComparison.Ordinal);

        // An account test goes through the same send site; the limit keeps the newest two.
        var account = item["channel_id"]!.GetValue<long>();
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(h, HttpMethod.Post, "/admin/accounts/test-all", AdminKey)).Status);
        var limited = await SendAsync(h, HttpMethod.Get, "/admin/dev/captures", AdminKey);
        var ids = limited.Json!["items"]!.AsArray().Select(static i => i!["id"]!.GetValue<long>()).ToArray();
        Assert.Equal([3L, 2L], ids);
        Assert.Equal(2, (await SendAsync(h, HttpMethod.Get, $"/admin/dev/captures?channel_id={account}", AdminKey)).Json!["count"]!.GetValue<int>());
        Assert.Equal(0, (await SendAsync(h, HttpMethod.Get, "/admin/dev/captures?channel_id=999999", AdminKey)).Json!["count"]!.GetValue<int>());

        var cleared = await SendAsync(h, HttpMethod.Delete, "/admin/dev/captures", AdminKey);
        Assert.True(cleared.Status == HttpStatusCode.OK, cleared.Text);
        Assert.True(cleared.Json!["success"]!.GetValue<bool>());
        Assert.Equal("capture logs cleared", cleared.Json["detail"]!.GetValue<string>());
        Assert.Equal(2, cleared.Json["cleared"]!.GetValue<int>());
        Assert.Empty((await SendAsync(h, HttpMethod.Get, "/admin/dev/captures", AdminKey)).Json!["items"]!.AsArray());
    }

    [Fact]
    public async Task Captures_StreamedAnswer_ReachesTheCallerBeforeTheUpstreamFinishes_AndIsRecordedUpToTheCap()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var chunks = WireSamples.StreamContent.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(static c => c + "\n\n").ToArray();
        var rest = string.Concat(chunks[1..]) + WireSamples.StreamUsage + WireSamples.StreamDone;
        var (h, upstream) = await StartAsync(extra: Captures(limit: 5, maxBodyBytes: 100), handler: async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(chunks[0]);
            await context.Response.Body.FlushAsync();
            await release.Task;
            await context.Response.WriteAsync(rest);
        });
        await using var _ = h;
        await using var __ = upstream;

        using var http = h.Gateway.CreateGatewayClient(Settings.Key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        // The first event arrives while the upstream still holds the rest: capturing buffers nothing.
        var line = await reader.ReadLineAsync(Ct);
        Assert.StartsWith("data: {", line, StringComparison.Ordinal);
        var during = await SendAsync(h, HttpMethod.Get, "/admin/dev/captures", AdminKey);
        var open = Assert.Single(during.Json!["items"]!.AsArray())!;
        Assert.False(open["completed"]!.GetValue<bool>());
        Assert.Equal(chunks[0][..100], open["response"]!["body"]!.GetValue<string>());

        release.SetResult();
        var all = line + "\n" + await reader.ReadToEndAsync(Ct);
        Assert.Contains("[DONE]", all, StringComparison.Ordinal);

        var after = await SendAsync(h, HttpMethod.Get, "/admin/dev/captures", AdminKey);
        var done = Assert.Single(after.Json!["items"]!.AsArray())!;
        Assert.True(done["completed"]!.GetValue<bool>());
        Assert.Equal("text/event-stream", done["request"]!["headers"]!["Accept"]!.GetValue<string>());
        Assert.Equal(chunks[0][..100], done["response"]!["body"]!.GetValue<string>());
        Assert.Equal(Encoding.UTF8.GetByteCount(chunks[0] + rest), done["response"]!["body_bytes"]!.GetValue<long>());
        Assert.True(done["response"]!["body_truncated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Captures_TurnedOnAndOffAtRunTime_ThroughAdminSettings()
    {
        var (h, upstream) = await StartAsync();
        await using var _ = h;
        await using var __ = upstream;
        var settings = await SendAsync(h, HttpMethod.Get, "/admin/settings", AdminKey);
        Assert.False(settings.Json!["dev_captures"]!["enabled"]!.GetValue<bool>());
        Assert.Contains("dev_captures.enabled", settings.Json["hot_reloadable"]!.AsArray().Select(static k => k!.GetValue<string>()));

        foreach (var bad in (string[])["""{"dev_captures":{"limit":0}}""", """{"dev_captures":{"max_body_bytes":-1}}""", """{"dev_captures":{"enabled":"yes"}}""", """{"dev_captures":true}"""])
        {
            var refused = await SendAsync(h, HttpMethod.Put, "/admin/settings", AdminKey, bad);
            Assert.True(refused.Status == HttpStatusCode.BadRequest, $"{bad}: {refused.Text}");
        }

        var on = await SendAsync(h, HttpMethod.Put, "/admin/settings", AdminKey, """{"dev_captures":{"enabled":true,"limit":1,"max_body_bytes":10}}""");
        Assert.True(on.Status == HttpStatusCode.OK, on.Text);
        Assert.Equal(3, on.Json!["applied"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));
        var captures = await SendAsync(h, HttpMethod.Get, "/admin/dev/captures", AdminKey);
        Assert.True(captures.Json!["enabled"]!.GetValue<bool>());
        Assert.Equal(1, captures.Json["limit"]!.GetValue<int>());
        var item = Assert.Single(captures.Json["items"]!.AsArray())!;
        Assert.Equal(10, item["response"]!["body"]!.GetValue<string>().Length);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(h, HttpMethod.Put, "/admin/settings", AdminKey, """{"dev_captures":{"enabled":false}}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(h, HttpMethod.Delete, "/admin/dev/captures", AdminKey)).Status);
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));
        Assert.Empty((await SendAsync(h, HttpMethod.Get, "/admin/dev/captures", AdminKey)).Json!["items"]!.AsArray());
    }

    [Fact]
    public async Task Captures_BadOptions_FailStartUp()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(extra: Captures(limit: 0, maxBodyBytes: -1)));
        Assert.Contains("LlmRelay:Captures:Limit", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("LlmRelay:Captures:MaxBodyBytes", error.ToString(), StringComparison.Ordinal);
    }
}
