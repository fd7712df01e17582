using System.Net;
using System.Text;
using System.Text.Json;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Selection;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Session affinity over real HTTP (issue #16): a session's calls stay on one channel and key while it is healthy, fail over when it is not, and the usage log says so.</summary>
public sealed class SessionAffinityTests
{
    private const string SecondKey = "sk-test-second-0123456789abcdefghij";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Chat(string? header = null, string? session = null, string? promptCacheKey = null)
    {
        var cacheKey = promptCacheKey is null ? "" : $",\"prompt_cache_key\":\"{promptCacheKey}\"";
        var message = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]{{cacheKey}}}""", Encoding.UTF8, "application/json"),
        };
        if (header is not null)
        {
            message.Headers.Add(header, session);
        }

        return message;
    }

    // Each channel names its responses after itself, numbered: resp_first_1, resp_second_1, ...
    private static Func<Microsoft.AspNetCore.Http.HttpContext, RecordedRequest, Task> Responses(string channel)
    {
        var count = 0;
        return (context, request) => MockUpstream.Json(FamilyUpstream.ResponsesJson.Replace("\"resp_1\"", $"\"resp_{channel}_{Interlocked.Increment(ref count)}\"", StringComparison.Ordinal))(context, request);
    }

    private static Dictionary<string, string?> TwoChannels(MockUpstream first, MockUpstream second, string? policy = null)
    {
        var settings = Settings.Merge(
            Settings.Token(),
            Settings.Token(SecondKey, "second-token", index: 1),
            Settings.Channel(0, first.BaseUrl, ["gpt-4o"], name: "first"),
            Settings.Channel(1, second.BaseUrl, ["gpt-4o"], name: "second"));
        if (policy is not null)
        {
            settings["LlmRelay:Selection:Policy"] = policy;
        }

        return settings;
    }

    private static string? AffinityOf(UsageLog row)
    {
        var json = row.Other.ToJson();
        if (json.Length == 0)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("affinity", out var affinity) ? affinity.GetString() : null;
    }

    private static async Task<IReadOnlyList<UsageLog>> RowsOldestFirstAsync(GatewayFactory gateway, int count) =>
        [.. (await gateway.WaitForLogsAsync(count)).OrderBy(static r => r.Id)];

    [Fact]
    public async Task ClaudeCodeSession_StaysOnOneChannelDespiteWeights_AndMovesWhenTheStickyChannelFails()
    {
        await using var first = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var second = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory(TwoChannels(first, second)); // weighted random, equal weights
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);
        const string session = "7f1d0c5e-8a4b-4f3e-9b61-2a0c6f1e9d42";

        for (var turn = 0; turn < 5; turn++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Chat("x-claude-code-session-id", session), Ct)).StatusCode);
        }

        var sticky = first.Requests.Count == 5 ? first : second;
        var other = ReferenceEquals(sticky, first) ? second : first;
        Assert.Equal(5, sticky.Requests.Count);
        Assert.Empty(other.Requests);

        // The sticky channel fails: the call is tried there first, fails over, and succeeds on the other channel.
        sticky.Handler = MockUpstream.Json("""{"error":{"message":"overloaded","type":"server_error"}}""", 500);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Chat("x-claude-code-session-id", session), Ct)).StatusCode);
        Assert.Equal(6, sticky.Requests.Count);
        Assert.Single(other.Requests);

        // The session moved: it stays on the channel that answered, also once the first one is healthy again.
        sticky.Handler = MockUpstream.Json(WireSamples.ChatResponse);
        for (var turn = 0; turn < 2; turn++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Chat("x-claude-code-session-id", session), Ct)).StatusCode);
        }

        Assert.Equal(6, sticky.Requests.Count);
        Assert.Equal(3, other.Requests.Count);

        var rows = await RowsOldestFirstAsync(gateway, 8);
        Assert.Equal(["miss", "hit", "hit", "hit", "hit", "moved", "hit", "hit"], rows.Select(AffinityOf));
        var stickyName = ReferenceEquals(sticky, first) ? "first" : "second";
        var otherName = ReferenceEquals(sticky, first) ? "second" : "first";
        Assert.Equal([stickyName, stickyName, stickyName, stickyName, stickyName, otherName, otherName, otherName], rows.Select(static r => r.ChannelName));
        Assert.All(rows, static r => Assert.Equal(200, r.StatusCode));
        Assert.All(rows, static r => Assert.True(r.Quota > 0)); // the affinity outcome rides along with the priced details
    }

    [Fact]
    public async Task SameSessionId_OnTwoTokens_IsTwoSessions()
    {
        await using var first = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var second = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory(TwoChannels(first, second, "round-robin"));
        gateway.Start();
        using var mine = gateway.CreateGatewayClient(Settings.Key);
        using var theirs = gateway.CreateGatewayClient(SecondKey);
        const string session = "shared-session-id";

        // Round-robin sends the second token's first call to the other channel: its session is its own, not the first token's.
        for (var turn = 0; turn < 3; turn++)
        {
            Assert.Equal(HttpStatusCode.OK, (await mine.SendAsync(Chat("x-claude-code-session-id", session), Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await theirs.SendAsync(Chat("x-claude-code-session-id", session), Ct)).StatusCode);
        }

        Assert.Equal(3, first.Requests.Count);
        Assert.Equal(3, second.Requests.Count);
        var rows = await RowsOldestFirstAsync(gateway, 6);
        var myChannels = rows.Where(static r => r.TokenName == "test-token").Select(static r => r.ChannelName).Distinct().ToArray();
        var theirChannels = rows.Where(static r => r.TokenName == "second-token").Select(static r => r.ChannelName).Distinct().ToArray();
        Assert.Single(myChannels);
        Assert.Single(theirChannels);
        Assert.NotEqual(myChannels[0], theirChannels[0]);
        Assert.Equal(["miss", "hit", "hit"], rows.Where(static r => r.TokenName == "second-token").Select(AffinityOf));
    }

    [Theory]
    [InlineData("session_id")]
    [InlineData("session-id")] // what Codex CLI 0.171 sends (Agents/Recordings/codex-0.171.0)
    public async Task CodexSessionHeader_AndPromptCacheKey_KeepTheirSessionsOnOneChannel(string header)
    {
        await using var first = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var second = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory(TwoChannels(first, second, "round-robin"));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        for (var turn = 0; turn < 4; turn++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Chat(header, "codex-conversation"), Ct)).StatusCode);
        }

        Assert.Equal(4, Math.Max(first.Requests.Count, second.Requests.Count));

        first.Requests.Clear();
        second.Requests.Clear();
        for (var turn = 0; turn < 4; turn++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Chat(promptCacheKey: "cache-key-1"), Ct)).StatusCode);
        }

        Assert.Equal(4, Math.Max(first.Requests.Count, second.Requests.Count));

        // A call without a session is not steered, and its row says nothing about affinity.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Chat(), Ct)).StatusCode);
        var rows = await RowsOldestFirstAsync(gateway, 9);
        Assert.Equal(["miss", "hit", "hit", "hit", "miss", "hit", "hit", "hit", null], rows.Select(AffinityOf));
    }

    [Fact]
    public async Task PreviousResponseIdChain_GoesBackToTheChannelHoldingTheResponse_AndFollowsAFailover()
    {
        await using var first = await MockUpstream.StartAsync(Responses("first"));
        await using var second = await MockUpstream.StartAsync(Responses("second"));
        await using var gateway = new GatewayFactory(TwoChannels(first, second, "round-robin"));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        async Task<string> TurnAsync(string? previous)
        {
            var chain = previous is null ? "" : $",\"previous_response_id\":\"{previous}\"";
            var response = await client.PostAsync("/v1/responses", new StringContent($$"""{"model":"gpt-4o","input":"next"{{chain}}}""", Encoding.UTF8, "application/json"), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            using var document = JsonDocument.Parse(text);
            return document.RootElement.GetProperty("id").GetString()!;
        }

        var id = await TurnAsync(null);
        var holder = id.StartsWith("resp_first_", StringComparison.Ordinal) ? first : second;
        var prefix = ReferenceEquals(holder, first) ? "resp_first_" : "resp_second_";
        for (var turn = 0; turn < 3; turn++)
        {
            id = await TurnAsync(id);
            Assert.StartsWith(prefix, id, StringComparison.Ordinal);
        }

        // The holder fails: the chain fails over, and its next turn follows the response to the channel that made it.
        holder.Handler = MockUpstream.Json("""{"error":{"message":"unavailable","type":"server_error"}}""", 503);
        id = await TurnAsync(id);
        Assert.DoesNotContain(prefix, id, StringComparison.Ordinal);
        holder.Handler = Responses("healed");
        var moved = id;
        id = await TurnAsync(id);
        Assert.Equal(moved[..^1], id[..^1]); // the same channel's numbering

        var rows = await RowsOldestFirstAsync(gateway, 6);
        // The chain's first call names no session: its row says nothing about affinity, but its response is remembered.
        Assert.Equal([null, "hit", "hit", "hit", "moved", "hit"], rows.Select(AffinityOf));
    }

    [Fact]
    public async Task Disabled_SessionsAreNotSteered()
    {
        await using var first = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var second = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        var settings = TwoChannels(first, second, "round-robin");
        settings["LlmRelay:SessionAffinity:Enabled"] = "false";
        await using var gateway = new GatewayFactory(settings);
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        for (var turn = 0; turn < 4; turn++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Chat("x-claude-code-session-id", "s"), Ct)).StatusCode);
        }

        Assert.Equal(2, first.Requests.Count);
        Assert.Equal(2, second.Requests.Count);
        Assert.All(await gateway.WaitForLogsAsync(4), static r => Assert.Null(AffinityOf(r)));
    }

    [Fact]
    public async Task FailingStore_CostsTheSessionItsAffinity_NotTheCall()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory(
            Settings.Merge(Settings.Token(), Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])),
            static services => services.AddSingleton<ISessionAffinityStore, UnreachableStore>());
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Chat("x-claude-code-session-id", "s"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Chat("x-claude-code-session-id", "s"), Ct)).StatusCode);

        Assert.Equal(2, upstream.Requests.Count);
        Assert.All(await gateway.WaitForLogsAsync(2), static r => Assert.Equal("miss", AffinityOf(r)));
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"prompt_cache_key":5}""", "prompt_cache_key")]
    [InlineData("/v1/responses", """{"model":"gpt-4o","input":"hi","previous_response_id":{"id":"resp_1"}}""", "previous_response_id")]
    public async Task NonStringSessionField_Is400InOpenAIShape_AndNeverReachesUpstream(string path, string body, string param)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Token(), Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])));
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);

        var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var error = document.RootElement.GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains("must be a string", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
    }

    // A shared store that is down (a cache server unreachable).
    private sealed class UnreachableStore : ISessionAffinityStore
    {
        public ValueTask<SessionAffinityTarget?> GetAsync(SessionAffinityKey key, CancellationToken cancellationToken) =>
            ValueTask.FromException<SessionAffinityTarget?>(new IOException("connection refused"));

        public ValueTask SetAsync(SessionAffinityKey key, SessionAffinityTarget target, CancellationToken cancellationToken) =>
            ValueTask.FromException(new IOException("connection refused"));
    }
}
