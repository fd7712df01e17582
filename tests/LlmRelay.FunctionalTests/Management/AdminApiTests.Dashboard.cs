using System.Net;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The dashboard's channel edit page shows the channel's recorded upstream exchanges while capturing is on (issue #15).</summary>
public sealed partial class AdminApiTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Captures_ShownOnTheDashboardsChannelEditPage_OnlyWhenEnabled(bool enabled)
    {
        var (h, upstream) = await StartAsync(extra: enabled ? Captures(limit: 5, maxBodyBytes: 4096) : null);
        await using var _ = h;
        await using var __ = upstream;
        Assert.Equal(HttpStatusCode.OK, await RelayAsync(h, Settings.Key));
        var channelId = (await SendAsync(h, HttpMethod.Get, "/admin/accounts", AdminKey)).Json!["items"]![0]!["channel_id"]!.GetValue<long>();

        var html = await h.Root.Http.GetStringAsync($"/dashboard/channels/edit?id={channelId}", Ct);
        Assert.Contains("id=\"channel-form\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Settings.UpstreamKey, html, StringComparison.Ordinal);
        if (!enabled)
        {
            Assert.DoesNotContain("channel-captures", html, StringComparison.Ordinal);
            return;
        }

        Assert.Contains("id=\"channel-captures\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"capture-1\"", html, StringComparison.Ordinal);
        Assert.Contains("POST /v1/chat/completions", html, StringComparison.Ordinal);
        Assert.Contains("Authorization: [redacted]", html, StringComparison.Ordinal);
        Assert.Contains("chatcmpl-test123", html, StringComparison.Ordinal);

        // A new channel's page (nothing sent yet) has no capture panel.
        var blank = await h.Root.Http.GetStringAsync("/dashboard/channels/edit", Ct);
        Assert.DoesNotContain("channel-captures", blank, StringComparison.Ordinal);
    }
}
