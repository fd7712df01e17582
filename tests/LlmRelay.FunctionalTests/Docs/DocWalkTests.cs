using System.Net;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;

namespace LlmRelay.FunctionalTests.Docs;

/// <summary>
/// The shell walks of README.md, docs/getting-started.md and the minimal API sample's README, read from the pages and run with bash and curl against a gateway
/// and a mock upstream (issue #15); only the host, the upstream and a key the reader would paste are replaced. The walk of
/// docs/management-api.md, with docs/channels.md's policy change, is run by <see cref="OperatorWalkTests"/>.
/// </summary>
public sealed class DocWalkTests
{
    private const string DocHost = "http://localhost:5080";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Readme_FirstRun_RootLeadsToSetup_AndTheCurlCallRelays()
    {
        var readme = DocPage.Read("README.md");
        // The port the README names is the reference gateway's.
        Assert.Contains($"\"applicationUrl\": \"{DocHost}\"", DocPage.Read("samples/LlmRelay.Gateway/Properties/launchSettings.json"), StringComparison.Ordinal);
        var call = DocPage.BlockAfter(readme, "## First run");

        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Relay.WireSamples.ChatResponse));
        await using var gateway = new GatewayFactory([]);
        gateway.Start();

        // 1. On a fresh database "/" leads to the dashboard, which asks for the root user.
        var browser = new ApiClient(new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = gateway.BaseAddress });
        using (var home = await browser.Http.GetAsync("/", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, home.StatusCode);
            Assert.Equal("/dashboard/setup", home.RequestMessage!.RequestUri!.AbsolutePath);
        }

        Assert.True((await browser.SendAsync(HttpMethod.Post, "/api/setup", new { username = "root", password = ManagementHarness.RootPassword })).Success);
        Assert.True((await browser.SendAsync(HttpMethod.Post, "/api/user/login", new { username = "root", password = ManagementHarness.RootPassword })).Success);

        // 2. and 3. as the dashboard's channel and token forms do them: a channel serving the README's model, and a key.
        var model = JsonNode.Parse(call[call.IndexOf("-d '", StringComparison.Ordinal)..].Split('\'')[1])!["model"]!.GetValue<string>();
        var channel = await browser.SendAsync(HttpMethod.Post, "/api/channel/", new
        {
            mode = "single",
            channel = new { name = "first", type = "openai", base_url = upstream.BaseUrl, key = Settings.UpstreamKey, models = new[] { model } },
        });
        Assert.True(channel.Success, channel.Text);
        var token = await browser.SendAsync(HttpMethod.Post, "/api/token/", new { name = "first-key", unlimited_quota = true });
        Assert.True(token.Success, token.Text);

        // 4. The README's curl, pointed at this gateway with the key the reader pastes.
        var script = DocPage.Replace(DocPage.Replace(call, DocHost, Origin(gateway)), "sk-your-gateway-key", token.Data!["key"]!.GetValue<string>());
        var answer = JsonNode.Parse(await RunAsync(script))!;
        Assert.Equal("chat.completion", answer["object"]?.GetValue<string>());
        Assert.True(upstream.Requests.TryDequeue(out var forwarded));
        Assert.Equal("Bearer " + Settings.UpstreamKey, forwarded.Headers["Authorization"]);
        Assert.Equal(model, JsonNode.Parse(forwarded.BodyText)!["model"]!.GetValue<string>());
        Assert.Single(await gateway.WaitForLogsAsync(1)); // "The call shows up under Logs"
    }

    [Theory]
    [InlineData("README.md", "export LlmRelay__Channels__0__Name=local", "http://127.0.0.1:9000")]
    [InlineData("docs/getting-started.md", "export LlmRelay__Channels__0__Name=openai", "https://api.openai.com")]
    [InlineData("samples/LlmRelay.MinimalApi/README.md", "export App__ApiKeys__appkey123=mobile-app", "https://api.openai.com", "http://localhost:5081")]
    public async Task EnvironmentWalk_TheExportsConfigureTheApp_AndTheCurlCallRelays(string page, string firstLine, string upstreamPlaceholder, string host = DocHost)
    {
        var block = DocPage.BlockWith(DocPage.Read(page), firstLine);
        var lines = block.Split('\n');
        var run = Array.FindIndex(lines, static l => l.StartsWith("dotnet run", StringComparison.Ordinal));
        Assert.True(run > 0, "The walk no longer starts the gateway with dotnet run.");

        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(Relay.WireSamples.ChatResponse));

        // The exports, run as written (upstream URL aside), make the environment the gateway is started with; the
        // dotnet run line is the gateway started here, with what those variables say.
        var exports = DocPage.Replace(string.Join('\n', lines[..run]), upstreamPlaceholder, upstream.BaseUrl) + "\nenv -0";
        var environment = (await RunAsync(exports)).Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(static v => v.StartsWith("LlmRelay__", StringComparison.Ordinal) || v.StartsWith("App__", StringComparison.Ordinal))
            .ToDictionary(static v => v[..v.IndexOf('=', StringComparison.Ordinal)].Replace("__", ":", StringComparison.Ordinal), static v => (string?)v[(v.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        Assert.NotEmpty(environment);
        // The project the dotnet run line names: the reference gateway (the template's copy of it), or the minimal API sample.
        Uri address;
        IAsyncDisposable app;
        if (lines[run].Contains("LlmRelay.MinimalApi", StringComparison.Ordinal))
        {
            var sample = new Samples.MinimalApiFactory(environment, kestrel: true);
            sample.Start();
            (address, app) = (sample.BaseAddress, sample);
        }
        else
        {
            var gateway = new GatewayFactory(environment);
            gateway.Start();
            (address, app) = (gateway.BaseAddress, gateway);
        }

        await using var _ = app;
        var answer = JsonNode.Parse(await RunAsync(DocPage.Replace(string.Join('\n', lines[(run + 1)..]), host, address.GetLeftPart(UriPartial.Authority))))!;
        Assert.Equal("chat.completion", answer["object"]?.GetValue<string>());
        Assert.True(upstream.Requests.TryDequeue(out var forwarded));
        Assert.Equal("Bearer " + environment["LlmRelay:Channels:0:Keys:0"], forwarded.Headers["Authorization"]);
        Assert.Equal("/v1/chat/completions", forwarded.PathAndQuery);
        Assert.Equal(environment["LlmRelay:Channels:0:Models:0"], JsonNode.Parse(forwarded.BodyText)!["model"]!.GetValue<string>());
    }

    private static string Origin(GatewayFactory gateway) => gateway.BaseAddress.GetLeftPart(UriPartial.Authority);

    private static async Task<string> RunAsync(string script)
    {
        var directory = Directory.CreateTempSubdirectory("llmrelay-doc-");
        try
        {
            return await DocPage.RunAsync(script, directory.FullName, Ct);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
