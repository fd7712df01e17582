using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>
/// A channel's own model capability overrides (issue #15), the per-channel layer of <c>LlmRelay:ModelCapabilities</c> set through
/// the management API's <c>model_capabilities</c> field and the dashboard's channel form, each seen by the relay.
/// </summary>
public sealed class ChannelCapabilityOverridesTests
{
    private const string Sonnet = "claude-sonnet-4-5-20250929";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ManagementApi_ModelCapabilities_AreStoredShownAndAppliedByTheRelay_ThenCleared()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var h = await ManagementHarness.StartAsync(Settings.Token());
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new
        {
            mode = "single",
            channel = new
            {
                name = "small-claude", type = "anthropic", base_url = upstream.BaseUrl, key = "sk-ant-one", models = new[] { Sonnet },
                model_capabilities = new Dictionary<string, object> { ["claude-sonnet-4-5"] = new { max_output_tokens = 4000, reasoning = "budget" } },
            },
        });
        Assert.True(created.Success, created.Text);
        var id = created.Data![0]!["id"]!.GetValue<long>();
        var shown = (await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["model_capabilities"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"claude-sonnet-4-5":{"reasoning":"Budget","max_output_tokens":4000}}"""), shown), shown.ToJsonString());

        // The channel's limit, and a thinking budget that fits under it (the table's 32000 otherwise).
        var sent = await SendAsync(h, upstream);
        Assert.Equal(4000, sent["max_tokens"]!.GetValue<int>());
        Assert.Equal(2000, sent["thinking"]!["budget_tokens"]!.GetValue<int>());

        // Absent keeps them; null clears them, and the table applies again.
        Assert.True((await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", rawBody: $$"""{"id":{{id}},"priority":3}""")).Success);
        Assert.Equal(4000, (await SendAsync(h, upstream))["max_tokens"]!.GetValue<int>());
        Assert.True((await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", rawBody: $$"""{"id":{{id}},"model_capabilities":null}""")).Success);
        Assert.Empty((await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["model_capabilities"]!.AsObject());
        Assert.Equal(32000, (await SendAsync(h, upstream))["max_tokens"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("""{"m":{"max_output_tokens":0}}""", "Field 'model_capabilities.m.max_output_tokens' must be an integer of at least 1.")]
    [InlineData("""{"m":{"default_output_tokens":"many"}}""", "Field 'model_capabilities.m.default_output_tokens' must be an integer of at least 1.")]
    [InlineData("""{"m":{"reasoning":"Sometimes"}}""", "Field 'model_capabilities.m.reasoning' must be one of Unspecified, None, Effort, Budget, Level, Fixed.")]
    [InlineData("""{"m":{"reasoning":"2"}}""", "Field 'model_capabilities.m.reasoning' must be one of Unspecified, None, Effort, Budget, Level, Fixed.")]
    [InlineData("""{"m":{"sampling_with_reasoning":"no"}}""", "Field 'model_capabilities.m.sampling_with_reasoning' must be true or false.")]
    [InlineData("""{"m":{"max_tokens":10}}""", "Field 'model_capabilities.m' has no property 'max_tokens': use reasoning, max_output_tokens, default_output_tokens, sampling_with_reasoning, temperature_or_top_p.")]
    [InlineData("""{"m":5}""", "Field 'model_capabilities.m' must be an object of reasoning, max_output_tokens, default_output_tokens, sampling_with_reasoning, temperature_or_top_p.")]
    [InlineData("""[1]""", "Field 'model_capabilities' must be a JSON object of model names to capabilities.")]
    [InlineData("\"{not json\"", "Field 'model_capabilities' must be a JSON object of model names to capabilities.")]
    public async Task ManagementApi_BadModelCapabilities_AreRefusedWith400_AndNothingChanges(string value, string message)
    {
        await using var h = await ManagementHarness.StartAsync();
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new
        {
            mode = "single",
            channel = new { name = "c", type = "openai", base_url = "https://api.example.com", key = "sk-one", models = new[] { "m" }, model_capabilities = new { m = new { max_output_tokens = 10 } } },
        });
        Assert.True(created.Success, created.Text);
        var id = created.Data![0]!["id"]!.GetValue<long>();

        var bad = await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", rawBody: $$"""{"id":{{id}},"model_capabilities":{{value}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal(message, bad.Message);
        Assert.Equal(10, (await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["model_capabilities"]!["m"]!["max_output_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task DashboardChannelForm_ModelCapabilities_AreEditedValidatedAndShown()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var h = await ManagementHarness.StartAsync(Settings.Token());
        var fields = new Dictionary<string, string>
        {
            ["id"] = "0", ["name"] = "small-claude", ["type"] = "anthropic", ["base_url"] = upstream.BaseUrl, ["models"] = Sonnet, ["key"] = "sk-ant-one",
            ["model_capabilities"] = """{"claude-sonnet-4-5": {"max_output_tokens": 4000, "temperature_or_top_p": true}}""",
        };

        Assert.Contains("name=\"model_capabilities\"", await h.Admin.Http.GetStringAsync("/dashboard/channels/edit", Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.Admin, "/channels/edit", "/channels/save", fields));
        var id = (await h.Admin.SendAsync(HttpMethod.Get, "/api/channel/")).Data!["items"]![0]!["id"]!.GetValue<long>();
        Assert.Equal(4000, (await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["model_capabilities"]!["claude-sonnet-4-5"]!["max_output_tokens"]!.GetValue<int>());
        Assert.Equal(4000, (await SendAsync(h, upstream))["max_tokens"]!.GetValue<int>());

        // The channel page shows them: in the form, as the JSON to edit, and in a table.
        var page = await h.Admin.Http.GetStringAsync($"/dashboard/channels/edit?id={id}", Ct);
        Assert.Contains("&quot;max_output_tokens&quot;: 4000", page, StringComparison.Ordinal);
        Assert.Contains("""<tr data-model="claude-sonnet-4-5"><td><code>claude-sonnet-4-5</code></td><td>-</td><td>4000</td><td>-</td><td>-</td><td>Yes</td></tr>""", page, StringComparison.Ordinal);

        // Refused as the API refuses it, next to the field, with what was typed kept; nothing is saved.
        fields["id"] = $"{id}";
        fields["key"] = "";
        fields["model_capabilities"] = """{"claude-sonnet-4-5": {"max_output_tokens": -1}}""";
        using var refused = await DashboardForm.SendAsync(h.Admin, $"/channels/edit?id={id}", "/channels/save", fields);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var html = await refused.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Field &#x27;model_capabilities.claude-sonnet-4-5.max_output_tokens&#x27; must be an integer of at least 1.", html, StringComparison.Ordinal);
        Assert.Contains("&quot;max_output_tokens&quot;: -1", html, StringComparison.Ordinal);
        Assert.Equal(4000, (await SendAsync(h, upstream))["max_tokens"]!.GetValue<int>());

        // Emptied, the form clears them.
        fields["model_capabilities"] = "";
        Assert.Equal(HttpStatusCode.OK, await DashboardForm.PostAsync(h.Admin, $"/channels/edit?id={id}", "/channels/save", fields));
        Assert.Empty((await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["model_capabilities"]!.AsObject());
        Assert.DoesNotContain("channel-capability-overrides", await h.Admin.Http.GetStringAsync($"/dashboard/channels/edit?id={id}", Ct), StringComparison.Ordinal);
    }

    /// <summary>Relays an OpenAI chat call asking for high reasoning to the Anthropic channel; returns the body the upstream got.</summary>
    private static async Task<JsonNode> SendAsync(ManagementHarness h, MockUpstream upstream)
    {
        using var client = h.Gateway.CreateGatewayClient(Settings.Key);
        using var body = new StringContent($$"""{"model":"{{Sonnet}}","reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/v1/chat/completions", body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return JsonNode.Parse(upstream.Requests.Last().Body)!;
    }
}
