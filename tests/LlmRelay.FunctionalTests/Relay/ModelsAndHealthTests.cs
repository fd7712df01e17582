using System.Net;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Relay;

public sealed class ModelsAndHealthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Models_ListsWhatTheKeyMayUse_InOpenAIShape()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("{}"));
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Token(key: "sk-limited-000000000000000000000", name: "limited", index: 1, models: ["gpt-4o-mini"]),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o", "gpt-4o-mini"], mapping: new() { ["smart"] = "gpt-4o" }),
            Settings.Channel(1, upstream.BaseUrl, ["off-model"], enabled: false)));
        gateway.Start();

        using var all = gateway.CreateGatewayClient(Settings.Key);
        var json = JsonNode.Parse(await all.GetStringAsync("/v1/models", Ct))!;
        Assert.Equal("list", json["object"]!.GetValue<string>());
        var ids = json["data"]!.AsArray().Select(static m => m!["id"]!.GetValue<string>()).ToArray();
        Assert.Equal(["gpt-4o", "gpt-4o-mini", "smart"], ids);
        Assert.All(json["data"]!.AsArray(), static m => Assert.Equal("model", m!["object"]!.GetValue<string>()));

        using var limited = gateway.CreateGatewayClient("sk-limited-000000000000000000000");
        var limitedIds = JsonNode.Parse(await limited.GetStringAsync("/v1/models", Ct))!["data"]!.AsArray().Select(static m => m!["id"]!.GetValue<string>());
        Assert.Equal(["gpt-4o-mini"], limitedIds);

        using var anonymous = gateway.CreateGatewayClient(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/models", Ct)).StatusCode);
    }

    [Fact]
    public async Task ModelOutsideTheKeysAllowList_Returns403()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json("{}"));
        await using var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(models: ["gpt-4o-mini"]),
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o", "gpt-4o-mini"])));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task HealthProbes_AnswerOnceStarted()
    {
        await using var gateway = new GatewayFactory(Settings.Token());
        gateway.Start();
        using var client = gateway.CreateGatewayClient(null);

        var alive = await client.GetAsync("/healthz", Ct);
        var ready = await client.GetAsync("/readyz", Ct);

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(Ct));
    }
}
