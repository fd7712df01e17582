using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;
using LlmRelay.FunctionalTests.Relay;

namespace LlmRelay.FunctionalTests.Trust;

/// <summary>The outbound address policy: channel base URLs and fetch_models URLs may not point at internal addresses.</summary>
public sealed class OutboundAddressTests
{
    private const string Setting = "LlmRelay:Outbound:AllowPrivateAddresses";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Loopback, private, CGNAT, "this network", link-local and metadata addresses in the forms a URI accepts:
    // dotted, hexadecimal, decimal, octal, IPv6, IPv4-mapped IPv6 and NAT64.
    private static readonly string[] DeniedUrls =
    [
        "http://127.0.0.1:8080/v1",
        "http://127.1.2.3/",
        "http://[::1]:11434/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[0:0:0:0:0:0:0:1]/",
        "http://[64:ff9b::a00:1]/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://172.31.255.254/",
        "http://192.168.1.10/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://0/",
        "http://[::]/",
        "http://[fd12:3456::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.1.1/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://[::ffff:169.254.169.254]/",
    ];

    private static readonly string[] AlwaysDeniedUrls =
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://0xa9fea9fe/",
        "http://2852039166/",
        "http://169.254.1.1/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://metadata.google.internal/",
        "http://[::ffff:a9fe:a9fe]/",
    ];

    [Fact]
    public async Task ChannelSave_WithAnInternalLiteralAddress_Is400NamingTheSetting()
    {
        await using var h = await ManagementHarness.StartAsync(new() { [Setting] = "false" });

        foreach (var url in DeniedUrls)
        {
            var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new { name = "internal", type = "openai", base_url = url, key = "sk-x", models = new[] { "m" } });
            Assert.True(created.Status == HttpStatusCode.BadRequest, $"{url}: {(int)created.Status} {created.Message}");
            Assert.False(created.Success);
            Assert.True(created.Message.Contains(Setting, StringComparison.Ordinal) || created.Message.Contains("never", StringComparison.Ordinal), $"{url}: {created.Message}");

            var fetched = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/fetch_models", new { base_url = url, key = "sk-x" });
            Assert.True(fetched.Status == HttpStatusCode.BadRequest, $"{url}: {(int)fetched.Status} {fetched.Message}");
        }

        Assert.Empty((await h.Admin.SendAsync(HttpMethod.Get, "/api/channel/")).Data!["items"]!.AsArray());
    }

    [Fact]
    public async Task ChannelUpdate_AndAdminConfigImport_RefuseAnInternalAddress()
    {
        const string adminKey = "admin-key-outbound-tests-1";
        await using var h = await ManagementHarness.StartAsync(new() { [Setting] = "false", ["LlmRelay:Admin:Key"] = adminKey });
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new { name = "public", type = "openai", base_url = "https://api.example.com/v1", key = "sk-x", models = new[] { "m" } });
        Assert.True(created.Success, created.Message);
        var id = created.Data![0]!["id"]!.GetValue<long>();

        var updated = await h.Admin.SendAsync(HttpMethod.Put, "/api/channel/", new { id, base_url = "http://0x7f000001:8080/" });
        Assert.Equal(HttpStatusCode.BadRequest, updated.Status);
        Assert.Contains(Setting, updated.Message, StringComparison.Ordinal);
        Assert.Equal("https://api.example.com/v1", (await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/{id}")).Data!["base_url"]!.GetValue<string>());

        using var http = new HttpClient { BaseAddress = h.Gateway.BaseAddress };
        using var import = new HttpRequestMessage(HttpMethod.Post, "/admin/config/import")
        {
            Content = new StringContent("""{"channels":[{"name":"meta","type":"openai","base_url":"http://10.0.0.5:8000/v1","keys":["k"],"models":["m"]}]}""", Encoding.UTF8, "application/json"),
        };
        import.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await http.SendAsync(import, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Contains("AllowPrivateAddresses", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChannelSave_WithAMetadataOrLinkLocalAddress_Is400EvenWhenPrivateAddressesAreAllowed()
    {
        await using var h = await ManagementHarness.StartAsync(new() { [Setting] = "true" });

        foreach (var url in AlwaysDeniedUrls)
        {
            var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new { name = "meta", type = "openai", base_url = url, key = "sk-x", models = new[] { "m" } });
            Assert.True(created.Status == HttpStatusCode.BadRequest, $"{url}: {(int)created.Status} {created.Message}");
            Assert.Contains("never", created.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ChannelSave_WithAPrivateAddress_IsAcceptedWhenAllowed()
    {
        await using var h = await ManagementHarness.StartAsync(new() { [Setting] = "true" });

        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new { name = "ollama", type = "openai", base_url = "http://127.0.0.1:11434/v1", key = "none", models = new[] { "llama3" } });
        Assert.True(created.Success, created.Message);
    }

    [Fact]
    public async Task ConfigChannel_WithAnInternalLiteralAddress_FailsStartNamingTheSetting()
    {
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Channel(0, "http://0177.0.0.1:9/", ["m"]), new() { [Setting] = "false" }));

        var error = Assert.ThrowsAny<Exception>(gateway.Start);
        Assert.Contains("LlmRelay:Channels:0:BaseUrl", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(Setting, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostNameResolvingToLoopback_IsRefusedAtConnect_WhenPrivateAddressesAreNotAllowed()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        var byName = upstream.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Channel(0, byName, ["gpt-4o"]), Settings.Token(), new() { [Setting] = "false" }));
        gateway.Start();

        using var client = gateway.CreateGatewayClient(Settings.Key);
        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(WireSamples.ChatRequest, Encoding.UTF8, "application/json"), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadGateway, $"{(int)response.StatusCode}: {body}");
        Assert.Contains(Setting, body, StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task HostNameResolvingToLoopback_IsAllowedAtConnect_WhenPrivateAddressesAreAllowed()
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(WireSamples.ChatResponse));
        var byName = upstream.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Channel(0, byName, ["gpt-4o"]), Settings.Token(), new() { [Setting] = "true" }));
        gateway.Start();

        using var client = gateway.CreateGatewayClient(Settings.Key);
        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(WireSamples.ChatRequest, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task FetchModels_DoesNotEchoTheUpstreamBody()
    {
        const string secret = "instance-credentials-AKIA-do-not-echo";
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json($$"""{"Code":"Success","SecretAccessKey":"{{secret}}"}""", status: 500));
        await using var h = await ManagementHarness.StartAsync(new() { [Setting] = "true" });

        var fetched = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/fetch_models", new { base_url = upstream.BaseUrl, key = "sk-x" });
        Assert.False(fetched.Success);
        Assert.DoesNotContain(secret, fetched.Text, StringComparison.Ordinal);
        Assert.Contains("500", fetched.Message, StringComparison.Ordinal);

        upstream.Handler = MockUpstream.Json($$"""{"object":"list","note":"{{secret}}"}""");
        var notAList = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/fetch_models", new { base_url = upstream.BaseUrl, key = "sk-x" });
        Assert.False(notAList.Success);
        Assert.DoesNotContain(secret, notAList.Text, StringComparison.Ordinal);

        upstream.Handler = MockUpstream.Json($"plain text {secret}", status: 401);
        var created = await h.Admin.SendAsync(HttpMethod.Post, "/api/channel/", new { name = "local", type = "openai", base_url = upstream.BaseUrl, key = "sk-x", models = new[] { "m" } });
        Assert.True(created.Success, created.Message);
        var byId = await h.Admin.SendAsync(HttpMethod.Get, $"/api/channel/fetch_models/{created.Data![0]!["id"]!.GetValue<long>()}");
        Assert.False(byId.Success);
        Assert.DoesNotContain(secret, byId.Text, StringComparison.Ordinal);
        Assert.Contains("401", byId.Message, StringComparison.Ordinal);
    }
}
