using System.Net;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;

namespace LlmRelay.FunctionalTests.Relay;

/// <summary>Whether upstream calls carry the caller's W3C trace context (<c>LlmRelay:PropagateTraceContext</c>).</summary>
public sealed class TraceContextTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string TraceParent = $"00-{TraceId}-00f067aa0ba902b7-01";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null, false)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public async Task Upstream_GetsTraceparent_OnlyWhenPropagationIsOn(string? setting, bool propagated)
    {
        await using var upstream = await MockUpstream.StartAsync(MockUpstream.Json(FamilyUpstream.OpenAIJson));
        var settings = Settings.Merge(Settings.Token(), Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]));
        if (setting is not null)
        {
            settings["LlmRelay:PropagateTraceContext"] = setting;
        }

        await using var gateway = new GatewayFactory(settings);
        gateway.Start();
        using var client = gateway.CreateGatewayClient(Settings.Key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("traceparent", TraceParent);

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(upstream.Requests);
        if (propagated)
        {
            // The gateway's own span continues the caller's trace: same trace id, the gateway's span as parent.
            Assert.True(sent.Headers.TryGetValue("traceparent", out var value), "the upstream got no traceparent");
            Assert.StartsWith($"00-{TraceId}-", value, StringComparison.Ordinal);
            Assert.NotEqual(TraceParent, value);
        }
        else
        {
            Assert.False(sent.Headers.ContainsKey("traceparent"), "the upstream got the caller's trace context");
            Assert.False(sent.Headers.ContainsKey("tracestate"));
        }
    }
}
