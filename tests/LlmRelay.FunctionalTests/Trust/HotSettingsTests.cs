using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LlmRelay.FunctionalTests.Trust;

/// <summary>Settings changed at run time apply to the next request, without a channel change reloading the catalog.</summary>
public sealed class HotSettingsTests
{
    private const string AdminKey = "admin-key-for-hot-settings-1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FirstByteTimeout_ChangedThroughAdminSettings_AppliesToTheNextCall()
    {
        // The upstream never answers; only the gateway's first-byte timeout ends the call.
        await using var upstream = await MockUpstream.StartAsync(static async (context, _) => await Task.Delay(Timeout.Infinite, context.RequestAborted));
        var time = new ArmedTimeProvider();
        await using var gateway = new GatewayFactory(
            Settings.Merge(
                Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"]),
                Settings.Token(),
                new() { ["LlmRelay:Admin:Key"] = AdminKey, ["LlmRelay:MaxAttempts"] = "1", ["LlmRelay:FirstByteTimeout"] = "00:05:00" }),
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));
        gateway.Start();

        using (var admin = new HttpClient { BaseAddress = gateway.BaseAddress })
        using (var put = new HttpRequestMessage(HttpMethod.Put, "/admin/settings") { Content = new StringContent("""{"runtime":{"first_byte_timeout_seconds":1}}""", Encoding.UTF8, "application/json") })
        {
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
            using var response = await admin.SendAsync(put, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // With the old 5-minute value still in the channel catalog, no timer is armed with 1 s and the wait below gives up.
        using var client = gateway.CreateGatewayClient(Settings.Key);
        var call = client.PostAsync("/v1/chat/completions", new StringContent(WireSamples.ChatRequest, Encoding.UTF8, "application/json"), Ct);
        await upstream.WaitForRequestsAsync(1);
        await time.FireAsync(TimeSpan.FromSeconds(1), Ct);
        using var relayed = await call;
        var body = await relayed.Content.ReadAsStringAsync(Ct);
        Assert.True(relayed.StatusCode == HttpStatusCode.GatewayTimeout, $"{(int)relayed.StatusCode}: {body}");
        Assert.Contains("upstream_timeout", body, StringComparison.Ordinal);
    }
}
