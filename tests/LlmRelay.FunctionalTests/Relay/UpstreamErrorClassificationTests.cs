using System.Net;
using LlmRelay.Client;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Health;
using LlmRelay.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>
/// Which upstream errors disable a key and fail over: the status and the upstream's structured error type or code decide,
/// never words of the caller's own request that a validation error quotes back. The same through the HTTP relay and
/// RelayChatClient. Genuine errors are the recorded bodies in ../shared/fixtures/upstream, read in place.
/// </summary>
public sealed class UpstreamErrorClassificationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>channel family, a 400 body whose message quotes what the caller sent (billing / credit balance / invalid api key / quota words).</summary>
    public static TheoryData<string, string> CallerQuoted() => new()
    {
        // OpenAI quotes an unknown role value.
        { "openai", """{"error":{"message":"Invalid value: 'billing'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.","type":"invalid_request_error","param":"messages[0].role","code":"invalid_value"}}""" },
        { "openai", """{"error":{"message":"Invalid 'tools[0].function.name': string does not match pattern. Received 'invalid api key insufficient_quota' instead.","type":"invalid_request_error","param":"tools[0].function.name","code":"invalid_value"}}""" },

        // Anthropic quotes the value it refused, after its own path prefix.
        { "anthropic", """{"type":"error","error":{"type":"invalid_request_error","message":"messages.0.role: Input should be 'user' or 'assistant', got 'Your credit balance is too low, check billing'"},"request_id":"req_011CWbzicpaYMyAiiXobLkzi"}""" },

        // Gemini quotes an unknown field name.
        { "gemini", """{"error":{"code":400,"message":"Invalid JSON payload received. Unknown name \"billing\" at 'contents[0]': Cannot find field. invalid api key, insufficient quota","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"contents[0]","description":"Invalid JSON payload received. Unknown name \"billing\" at 'contents[0]': Cannot find field."}]}]}}""" },
    };

    /// <summary>channel family, status, fixture file (or inline body): genuine key or billing failures.</summary>
    public static TheoryData<string, int, string> Genuine() => new()
    {
        { "openai", 401, "openai/error-401-invalid-api-key.chat.json" },
        { "openai", 429, """{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""" },
        { "anthropic", 401, "anthropic/error-401-authentication.json" },
        { "anthropic", 400, """{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}""" },
        { "anthropic", 402, """{"type":"error","error":{"type":"billing_error","message":"There is an issue with your payment method."}}""" },
        { "gemini", 400, "gemini/error-400-api-key-invalid.json" },
    };

    [Theory]
    [MemberData(nameof(CallerQuoted))]
    public async Task CallerQuoted400_ReachesTheCaller_KeyStaysEnabled_NoFailover(string family, string errorBody)
    {
        await using var first = await MockUpstream.StartAsync(MockUpstream.Json(errorBody, 400));
        await using var backup = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var gateway = StartGateway(first, backup, family);
        using var client = gateway.CreateGatewayClient(null);
        var health = gateway.Services.GetRequiredService<ChannelHealthTracker>();
        var channelId = await ChannelIdAsync(gateway.Services, "first");

        for (var call = 1; call <= 2; call++)
        {
            using var response = await client.SendAsync(CallerRequest.Build("openai", "m", stream: false, Settings.Key), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
            Assert.Equal(call, first.Requests.Count); // The next call reaches the same key again.
            Assert.Empty(backup.Requests);
            Assert.False(health.IsDisabled(channelId, 0));
        }
    }

    [Theory]
    [MemberData(nameof(CallerQuoted))]
    public async Task CallerQuoted400_ThroughRelayChatClient_IsTheCallersError_KeyStaysEnabled(string family, string errorBody)
    {
        await using var first = await MockUpstream.StartAsync(MockUpstream.Json(errorBody, 400));
        await using var backup = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var gateway = StartGateway(first, backup, family);
        var client = gateway.Services.GetRelayChatClient(Settings.Key);
        var health = gateway.Services.GetRequiredService<ChannelHealthTracker>();
        var channelId = await ChannelIdAsync(gateway.Services, "first");

        for (var call = 1; call <= 2; call++)
        {
            var ex = await Assert.ThrowsAsync<RelayChatClientException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "m" }, Ct));

            Assert.Equal(400, ex.StatusCode);
            Assert.Equal(call, first.Requests.Count);
            Assert.Empty(backup.Requests);
            Assert.False(health.IsDisabled(channelId, 0));
        }
    }

    [Theory]
    [MemberData(nameof(Genuine))]
    public async Task GenuineKeyOrBillingError_DisablesTheKey_AndFailsOver(string family, int status, string fixtureOrBody)
    {
        var errorBody = fixtureOrBody.StartsWith('{') ? fixtureOrBody : File.ReadAllText(Path.Combine(UpstreamFixtures.Folder(), fixtureOrBody));
        await using var first = await MockUpstream.StartAsync(MockUpstream.Json(errorBody, status));
        await using var backup = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var gateway = StartGateway(first, backup, family);
        using var client = gateway.CreateGatewayClient(null);
        var health = gateway.Services.GetRequiredService<ChannelHealthTracker>();
        var channelId = await ChannelIdAsync(gateway.Services, "first");

        for (var call = 1; call <= 2; call++)
        {
            using var response = await client.SendAsync(CallerRequest.Build("openai", "m", stream: false, Settings.Key), Ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Single(first.Requests); // Disabled after the first failure: the second call goes straight to the backup.
            Assert.Equal(call, backup.Requests.Count);
            Assert.True(health.IsDisabled(channelId, 0));
        }

        var client2 = gateway.Services.GetRelayChatClient(Settings.Key);
        var answer = await client2.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "m" }, Ct);
        Assert.Equal(FamilyUpstream.Text, answer.Text);
        Assert.Single(first.Requests);
    }

    [Theory]
    [MemberData(nameof(Genuine))]
    public async Task GenuineKeyOrBillingError_ThroughRelayChatClient_DisablesTheKey_AndFailsOver(string family, int status, string fixtureOrBody)
    {
        var errorBody = fixtureOrBody.StartsWith('{') ? fixtureOrBody : File.ReadAllText(Path.Combine(UpstreamFixtures.Folder(), fixtureOrBody));
        await using var first = await MockUpstream.StartAsync(MockUpstream.Json(errorBody, status));
        await using var backup = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var gateway = StartGateway(first, backup, family);
        var client = gateway.Services.GetRelayChatClient(Settings.Key);
        var health = gateway.Services.GetRequiredService<ChannelHealthTracker>();

        var answer = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "m" }, Ct);

        Assert.Equal(FamilyUpstream.Text, answer.Text);
        Assert.Single(first.Requests);
        Assert.Single(backup.Requests);
        Assert.True(health.IsDisabled(await ChannelIdAsync(gateway.Services, "first"), 0));
    }

    private static GatewayFactory StartGateway(MockUpstream first, MockUpstream backup, string family)
    {
        var gateway = new GatewayFactory(Settings.Merge(
            Settings.Token(),
            Settings.Channel(0, first.BaseUrl, ["m"], name: "first", priority: 10, type: family, mapping: new() { ["m"] = "upstream-model" }),
            Settings.Channel(1, backup.BaseUrl, ["m"], name: "backup", type: "openai", mapping: new() { ["m"] = "gpt-4o" })));
        gateway.Start();
        return gateway;
    }

    private static async Task<long> ChannelIdAsync(IServiceProvider services, string name)
    {
        using var scope = services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<IChannelStore>().ListAsync(Ct)).Single(c => c.Name == name).Id;
    }
}
