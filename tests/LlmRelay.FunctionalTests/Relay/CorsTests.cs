using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>CORS on the relay routes as seed-ds2api.md describes (LlmRelay:Cors), and none on management routes (issue #15).</summary>
public sealed class CorsTests : IAsyncLifetime
{
    private const string Origin = "https://app.example.com";

    private MockUpstream _upstream = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    private GatewayFactory CreateGateway(Dictionary<string, string?>? extra = null)
    {
        var gateway = new GatewayFactory(Settings.Merge(Settings.Token(), Settings.Channel(0, _upstream.BaseUrl, ["gpt-4o"]), extra ?? []));
        gateway.Start();
        return gateway;
    }

    private static HttpRequestMessage Preflight(string path, string origin = Origin, string headers = "authorization,content-type")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/v1/messages")]
    [InlineData("/anthropic/v1/messages")]
    [InlineData("/v1beta/models/gemini-2.5-flash:generateContent")]
    public async Task Preflight_RelayRoute_AnsweredWithoutAKey_AllowingAnyOriginAndTheKeyHeaders(string path)
    {
        await using var gateway = CreateGateway();
        using var client = gateway.CreateGatewayClient(null);

        using var response = await client.SendAsync(Preflight(path, headers: "authorization,x-api-key,content-type,anthropic-version,x-goog-api-key"), Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        var allowed = Header(response, "Access-Control-Allow-Headers")!.ToLowerInvariant();
        foreach (var header in (string[])["authorization", "x-api-key", "content-type", "anthropic-version", "x-goog-api-key"])
        {
            Assert.Contains(header, allowed, StringComparison.Ordinal);
        }

        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods")!, StringComparison.Ordinal);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task CrossOriginCall_CarriesTheHeaders_OnSuccessAndOnRefusal()
    {
        await using var gateway = CreateGateway();
        using var client = gateway.CreateGatewayClient(Settings.Key);
        client.DefaultRequestHeaders.Add("Origin", Origin);

        using var ok = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"), Ct);
        using var models = await client.GetAsync("/v1/models", Ct);
        client.DefaultRequestHeaders.Authorization = null;
        using var refused = await client.GetAsync("/v1/models", Ct);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("*", Header(ok, "Access-Control-Allow-Origin"));
        Assert.Equal("*", Header(models, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("*", Header(refused, "Access-Control-Allow-Origin")); // the browser can read why
    }

    [Fact]
    public async Task ConfiguredOrigins_OnlyThoseAreAllowed_AndExtraHeadersToo()
    {
        await using var gateway = CreateGateway(new()
        {
            ["LlmRelay:Cors:AllowedOrigins:0"] = Origin,
            ["LlmRelay:Cors:AllowedHeaders:0"] = "x-stainless-os",
        });
        using var client = gateway.CreateGatewayClient(null);

        using var allowed = await client.SendAsync(Preflight("/v1/chat/completions", headers: "authorization,x-stainless-os"), Ct);
        using var other = await client.SendAsync(Preflight("/v1/chat/completions", origin: "https://evil.example"), Ct);

        Assert.Equal(Origin, Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Contains("x-stainless-os", Header(allowed, "Access-Control-Allow-Headers")!, StringComparison.OrdinalIgnoreCase);
        Assert.Null(Header(other, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task ManagementAndHealthRoutes_GetNoCorsHeaders()
    {
        await using var gateway = CreateGateway();
        using var client = gateway.CreateGatewayClient(null);
        client.DefaultRequestHeaders.Add("Origin", Origin);

        using var status = await client.GetAsync("/api/status", Ct);
        using var health = await client.GetAsync("/healthz", Ct);
        using var preflight = await client.SendAsync(Preflight("/api/user/login"), Ct);

        Assert.Null(Header(status, "Access-Control-Allow-Origin"));
        Assert.Null(Header(health, "Access-Control-Allow-Origin"));
        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.NotEqual(HttpStatusCode.NoContent, preflight.StatusCode);
    }

    [Fact]
    public async Task Disabled_NoHeadersAndNoPreflight()
    {
        await using var gateway = CreateGateway(new() { ["LlmRelay:Cors:Enabled"] = "false" });
        using var client = gateway.CreateGatewayClient(null);

        using var preflight = await client.SendAsync(Preflight("/v1/chat/completions"), Ct);

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, preflight.StatusCode);
    }

    [Fact]
    public async Task OriginWithAPath_FailsAtStart_NamingTheSetting()
    {
        await using var gateway = new GatewayFactory(Settings.Merge(Settings.Token(), new() { ["LlmRelay:Cors:AllowedOrigins:0"] = "https://app.example.com/" }));

        var error = Assert.ThrowsAny<Exception>(gateway.Start);

        Assert.Contains("LlmRelay:Cors:AllowedOrigins:0", error.ToString(), StringComparison.Ordinal);
    }
}
