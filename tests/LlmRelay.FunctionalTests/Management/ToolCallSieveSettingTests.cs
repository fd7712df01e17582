using System.Net;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The channel setting that turns the tool-call sieve on (issue #16): management API and dashboard form, each seen by the relay.</summary>
public sealed class ToolCallSieveSettingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ManagementApi_ToolCallSieve_IsStoredShownAndAppliedByTheRelay()
    {
        await using var upstream = await MockUpstream.StartAsync(TextToolCallUpstream.Handler);
        await using var h = await ManagementHarness.StartAsync(Settings.Token());
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new
        {
            mode = "single",
            channel = new { name = "texty", type = "openai", base_url = upstream.BaseUrl, key = "sk-upstream-one", models = new[] { "texty-model" }, tool_call_sieve = true },
        });
        Assert.True(created.Success, created.Text);
        var id = created.Data![0]!["id"]!.GetValue<long>();
        Assert.True((await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["tool_call_sieve"]!.GetValue<bool>());

        Assert.Equal(["get_weather"], (await RelayAsync(h)).Calls.Select(static c => c.Name));

        // Absent keeps the stored value; false turns the sieve off, and the model's text reaches the caller as it wrote it.
        Assert.True((await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", rawBody: $$"""{"id":{{id}},"priority":3}""")).Success);
        Assert.True((await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["tool_call_sieve"]!.GetValue<bool>());
        Assert.True((await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", rawBody: $$"""{"id":{{id}},"tool_call_sieve":false}""")).Success);
        Assert.False((await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["tool_call_sieve"]!.GetValue<bool>());
        var plain = await RelayAsync(h);
        Assert.Empty(plain.Calls);
        Assert.Equal(TextToolCallUpstream.CallText, plain.Text.ToString());

        var bad = await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", rawBody: $$"""{"id":{{id}},"tool_call_sieve":"yes"}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("Field 'tool_call_sieve' must be true or false.", bad.Message);
    }

    [Fact]
    public async Task DashboardChannelForm_ToolCallSieveCheckbox_IsShownAndSaved()
    {
        await using var upstream = await MockUpstream.StartAsync(TextToolCallUpstream.Handler);
        await using var h = await ManagementHarness.StartAsync(Settings.Token());
        var fields = new Dictionary<string, string>
        {
            ["id"] = "0", ["name"] = "texty", ["type"] = "openai", ["base_url"] = upstream.BaseUrl, ["models"] = "texty-model", ["key"] = "sk-up", ["tool_call_sieve"] = "true",
        };

        var empty = await h.Admin.Http.GetStringAsync("/dashboard/channels/edit", Ct);
        Assert.Contains("name=\"tool_call_sieve\"", empty, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.Admin, "/channels/edit", "/channels/save", fields));
        var channel = (await h.Admin.SendAsync(HttpMethod.Get, "/api/channel/")).Data!["items"]![0]!;
        var id = channel["id"]!.GetValue<long>();
        Assert.True(channel["tool_call_sieve"]!.GetValue<bool>());
        Assert.Matches("id=\"channel-tool-call-sieve\" value=\"true\" checked", await h.Admin.Http.GetStringAsync($"/dashboard/channels/edit?id={id}", Ct));
        Assert.Equal(["get_weather"], (await RelayAsync(h)).Calls.Select(static c => c.Name));

        // An unticked box is absent from the posted form: saving turns the sieve off.
        fields["id"] = $"{id}";
        fields.Remove("tool_call_sieve");
        fields["key"] = "";
        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.Admin, $"/channels/edit?id={id}", "/channels/save", fields));
        Assert.False((await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["tool_call_sieve"]!.GetValue<bool>());
    }

    private static async Task<CallerAnswer> RelayAsync(ManagementHarness h)
    {
        using var client = h.Gateway.CreateGatewayClient(null);
        using var request = ToolCallSieveTests.BuildRequest("openai", "texty-model", stream: false, toolChoice: null);
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return CallerAnswer.Parse("openai", false, text);
    }
}
