using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;

namespace LlmRelay.FunctionalTests.Scaling;

/// <summary>
/// Two gateways (real Kestrel, in-process) on one SQLite file and one Redis, wired by <c>AddRedis(configuration)</c> as the sample
/// does (issue #18): the <c>/v1/responses</c> store, the sign-in lockout and <c>/api/verify</c> hold on both.
/// </summary>
public sealed class RedisSharedStateTests : IAsyncLifetime
{
    private const string OtherKey = "sk-other-0123456789abcdefghijklmnop";
    private const string UpstreamKey = "sk-upstream-revealed-on-b";

    private readonly string _database = Path.Combine(Path.GetTempPath(), $"llmrelay-test-{Guid.NewGuid():N}.db");
    private readonly List<JsonNode> _upstreamBodies = [];
    private ConnectionMultiplexer _redis = null!;
    private MockUpstream _upstream = null!;
    private GatewayFactory _a = null!;
    private GatewayFactory _b = null!;
    private int _answers;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var redis = RedisTestServer.ConnectionStringOrSkip();
        _redis = await RedisTestServer.ConnectAsync();
        _upstream = await MockUpstream.StartAsync(AnswerAsync);
        var settings = Settings.Merge(
            Settings.Token(),
            Settings.Token(OtherKey, "other-token", index: 1),
            Settings.FlatPrice("openai-model"),
            Settings.Channel(0, _upstream.BaseUrl, ["openai-model"], name: "oa", type: "openai", mapping: new() { ["openai-model"] = "gpt-4o" }),
            new()
            {
                ["ConnectionStrings:LlmRelay"] = $"Data Source={_database}",
                ["ConnectionStrings:Redis"] = redis,
                ["LlmRelay:DataProtection:Keys"] = "Redis",
                ["LlmRelay:DataProtection:ApplicationName"] = "llmrelay-shared-state-test",
            });
        _a = new GatewayFactory(settings);
        _a.Start();
        _b = new GatewayFactory(settings);
        _b.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_a is not null)
        {
            await _a.DisposeAsync();
            foreach (var suffix in (string[])["", "-wal", "-shm"])
            {
                File.Delete(_database + suffix);
            }
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task ResponseCreatedOnA_IsReadAndContinuedOnB_ByItsOwnerOnly()
    {
        using var ownerOnA = _a.CreateGatewayClient(Settings.Key);
        using var ownerOnB = _b.CreateGatewayClient(Settings.Key);
        using var otherOnB = _b.CreateGatewayClient(OtherKey);

        // store:false: the upstream keeps nothing, so B must send the whole history it read from the shared store.
        using var created = await ownerOnA.PostAsync("/v1/responses", Json("""{"model":"openai-model","store":false,"input":"Remember 42."}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!["id"]!.GetValue<string>();

        using var read = await ownerOnB.GetAsync($"/v1/responses/{id}", Ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(id, JsonNode.Parse(await read.Content.ReadAsStringAsync(Ct))!["id"]!.GetValue<string>());
        using var readByOther = await otherOnB.GetAsync($"/v1/responses/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, readByOther.StatusCode);

        var continuation = $$"""{"model":"openai-model","store":false,"previous_response_id":"{{id}}","input":"Which number?"}""";
        using var refused = await otherOnB.PostAsync("/v1/responses", Json(continuation), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("previous_response_not_found", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Single(_upstreamBodies);

        using var continued = await ownerOnB.PostAsync("/v1/responses", Json(continuation), Ct);
        Assert.Equal(HttpStatusCode.OK, continued.StatusCode);
        var sent = _upstreamBodies[^1];
        Assert.Null(sent["previous_response_id"]);
        var input = sent["input"]!.ToJsonString();
        Assert.Contains("Remember 42.", input, StringComparison.Ordinal);
        Assert.Contains("answer 1", input, StringComparison.Ordinal);
        Assert.Contains("Which number?", input, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedSignInsOnA_CountTowardTheLockoutOnB()
    {
        var name = "u" + Guid.NewGuid().ToString("N")[..16];
        await SetUpRootAsync(name);
        var onA = Anonymous(_a);

        // The sign-in above was one of the name's ten attempts a minute; nine wrong ones use the rest up.
        for (var i = 0; i < 9; i++)
        {
            var wrong = await onA.SendAsync(HttpMethod.Post, "/api/user/login", new { username = name, password = "wrong-password-" + i });
            Assert.False(wrong.Success);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, wrong.Status);
        }

        // The right password on B: the name's attempts of this minute were used up on A.
        var onB = await Anonymous(_b).SendAsync(HttpMethod.Post, "/api/user/login", new { username = name, password = ManagementHarness.RootPassword });

        Assert.Equal(HttpStatusCode.TooManyRequests, onB.Status);
    }

    [Fact]
    public async Task VerifyOnA_LetsBRevealAChannelKey()
    {
        var (rootOnA, cookie) = await SetUpRootAsync("root");
        var root = await rootOnA.SendAsync(HttpMethod.Get, "/api/user/self");
        await _redis.GetDatabase().KeyDeleteAsync("llmrelay-verify:" + root.Data!["id"]!.GetValue<long>()); // an earlier run's, on this Redis
        var rootOnB = new ApiClient(new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _b.BaseAddress });
        rootOnB.Http.DefaultRequestHeaders.Add("Cookie", cookie);
        var created = await rootOnA.SendAsync(HttpMethod.Post, "/api/channel/", new { name = "revealed", type = "openai", base_url = _upstream.BaseUrl, models = "m", key = UpstreamKey });
        Assert.True(created.Success, created.Message);
        var channel = created.Data![0]!["id"]!.GetValue<long>();

        var before = await rootOnB.SendAsync(HttpMethod.Post, $"/api/channel/{channel}/key");
        Assert.Equal(HttpStatusCode.Forbidden, before.Status);

        var verified = await rootOnA.SendAsync(HttpMethod.Post, "/api/verify", new { password = ManagementHarness.RootPassword });
        Assert.True(verified.Success, verified.Message);
        var status = await rootOnB.SendAsync(HttpMethod.Get, "/api/verify/status");
        var revealed = await rootOnB.SendAsync(HttpMethod.Post, $"/api/channel/{channel}/key");

        Assert.True(status.Data!["verified"]!.GetValue<bool>(), status.Text);
        Assert.True(revealed.Success, revealed.Text);
        Assert.Contains(UpstreamKey, revealed.Text, StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static ApiClient Anonymous(GatewayFactory gateway) => new(new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) });

    private async Task<(ApiClient Root, string Cookie)> SetUpRootAsync(string name)
    {
        var cookies = new CookieContainer();
        var root = new ApiClient(new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = _a.BaseAddress, Timeout = TimeSpan.FromSeconds(30) });
        var setup = await root.SendAsync(HttpMethod.Post, "/api/setup", new { username = name, password = ManagementHarness.RootPassword });
        Assert.True(setup.Success, setup.Message);
        var login = await root.SendAsync(HttpMethod.Post, "/api/user/login", new { username = name, password = ManagementHarness.RootPassword });
        Assert.True(login.Success, login.Message);
        return (root, cookies.GetCookieHeader(_a.BaseAddress));
    }

    // A Responses upstream that answers every call with a new id ("resp_<guid>") and "answer n".
    private async Task AnswerAsync(HttpContext context, RecordedRequest request)
    {
        int n;
        lock (_upstreamBodies)
        {
            _upstreamBodies.Add(JsonNode.Parse(request.Body)!);
            n = ++_answers;
        }

        var id = "resp_" + Guid.NewGuid().ToString("N");
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(
            $$$"""{"id":"{{{id}}}","object":"response","created_at":1766084435,"status":"completed","model":"gpt-4o","output":[{"id":"msg_{{{n}}}","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"answer {{{n}}}","annotations":[]}]}],"usage":{"input_tokens":12,"output_tokens":4,"total_tokens":16}}""");
    }
}
