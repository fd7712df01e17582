using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>The walk of docs/management-api.md, over real HTTP: set up root, log in, add a channel, create a user and a token, relay a chat call.</summary>
public sealed class OperatorWalkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Walk_SetupLoginChannelTokenChat_RelaysWithTheNewToken()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(LlmRelay.FunctionalTests.Relay.WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory([]);
        gateway.Start();
        using var http = new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = gateway.BaseAddress };

        // 1. Set up root (once).
        var setup = await PostAsync(http, "/api/setup", """{"username":"root","password":"change-me-please"}""");
        Assert.True(setup["success"]!.GetValue<bool>(), setup.ToJsonString());
        var rootId = setup["data"]!["id"]!.GetValue<long>();

        // 2. Log in (session cookie) and issue an access token.
        var login = await PostAsync(http, "/api/user/login", """{"username":"root","password":"change-me-please"}""");
        Assert.True(login["success"]!.GetValue<bool>(), login.ToJsonString());
        var accessToken = (await GetAsync(http, "/api/user/token"))["data"]!.GetValue<string>();

        // 3. Add a channel with the access token (curl style: no cookie).
        using var admin = new HttpClient { BaseAddress = gateway.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        admin.DefaultRequestHeaders.Add("New-Api-User", rootId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var channel = await PostAsync(admin, "/api/channel/", $$$"""
            {"mode":"single","channel":{"name":"upstream-1","type":"openai","base_url":"{{{upstream.BaseUrl}}}","key":"{{{Settings.UpstreamKey}}}","models":"gpt-4o-mini","group":"default"}}
            """);
        Assert.True(channel["success"]!.GetValue<bool>(), channel.ToJsonString());
        Assert.DoesNotContain(Settings.UpstreamKey, channel.ToJsonString(), StringComparison.Ordinal);

        // 4. Create a user with quota to spend, who logs in and creates a gateway token.
        var user = await PostAsync(admin, "/api/user/", """{"username":"alice","password":"alice-password","quota":500000}""");
        Assert.True(user["success"]!.GetValue<bool>(), user.ToJsonString());
        using var alice = new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = gateway.BaseAddress };
        Assert.True((await PostAsync(alice, "/api/user/login", """{"username":"alice","password":"alice-password"}"""))["success"]!.GetValue<bool>());
        var token = await PostAsync(alice, "/api/token/", """{"name":"my-app","unlimited_quota":true}""");
        Assert.True(token["success"]!.GetValue<bool>(), token.ToJsonString());
        var key = token["data"]!["key"]!.GetValue<string>();
        Assert.StartsWith("sk-", key, StringComparison.Ordinal);

        // 5. Relay a chat call with the new token.
        using var caller = gateway.CreateGatewayClient(key);
        using var response = await caller.PostAsync(
            "/v1/chat/completions",
            new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(upstream.Requests.TryDequeue(out var forwarded));
        Assert.Equal("Bearer " + Settings.UpstreamKey, forwarded.Headers["Authorization"]);

        // The key is masked from now on.
        var listed = await GetAsync(alice, "/api/token/");
        Assert.DoesNotContain(key, listed.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Walk_AsWrittenInTheDocs_RunsWithBashCurlAndJq()
    {
        // The block itself, read from docs/management-api.md: only where it points (GW, UPSTREAM, UPSTREAM_KEY) is replaced.
        var script = DocPage.BlockAfter(DocPage.Read("docs/management-api.md"), "## From nothing to a relayed chat call");
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(LlmRelay.FunctionalTests.Relay.WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory([]);
        gateway.Start();
        var gw = gateway.BaseAddress.ToString().TrimEnd('/');
        script = DocPage.SetVariable(script, "GW", gw);
        script = DocPage.SetVariable(script, "UPSTREAM", upstream.BaseUrl);
        script = DocPage.SetVariable(script, "UPSTREAM_KEY", Settings.UpstreamKey);

        var directory = Directory.CreateTempSubdirectory("llmrelay-walk-");
        try
        {
            var output = (await DocPage.RunAsync(script, directory.FullName, Ct)).TrimEnd();
            var lastAnswer = output[(output.LastIndexOf("}{", StringComparison.Ordinal) + 1)..];
            var chat = JsonNode.Parse(lastAnswer)!;
            Assert.Equal("chat.completion", chat["object"]?.GetValue<string>());
            Assert.True(upstream.Requests.TryDequeue(out var forwarded));
            Assert.Equal("Bearer " + Settings.UpstreamKey, forwarded.Headers["Authorization"]);

            // docs/channels.md's run-time policy change, as root with the walk's cookies.txt, on the same gateway.
            var policy = DocPage.Replace(DocPage.BlockWith(DocPage.Read("docs/channels.md"), "GroupSelectionPolicies"), "http://localhost:5080", gw);
            var answer = JsonNode.Parse(await DocPage.RunAsync(policy, directory.FullName, Ct))!;
            Assert.True(answer["success"]!.GetValue<bool>(), answer.ToJsonString());
            using var root = new HttpClient { BaseAddress = gateway.BaseAddress };
            root.DefaultRequestHeaders.Add("Cookie", File.ReadAllLines(Path.Combine(directory.FullName, "cookies.txt")).Where(static l => l.Length > 0 && !l.StartsWith("# ", StringComparison.Ordinal)).Select(static l => l.Split('\t')).Select(static f => $"{f[5]}={f[6]}").Single());
            var options = await GetAsync(root, "/api/option/");
            Assert.Equal("""{"*":"round-robin","vip":"lowest-latency"}""", options["data"]!.AsArray().Single(o => o!["key"]!.GetValue<string>() == "GroupSelectionPolicies")!["value"]!.GetValue<string>());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<JsonNode> PostAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
    }

    private static async Task<JsonNode> GetAsync(HttpClient http, string path) =>
        JsonNode.Parse(await http.GetStringAsync(path, Ct))!;
}
