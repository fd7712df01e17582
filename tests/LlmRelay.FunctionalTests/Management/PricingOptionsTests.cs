using System.Net;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Relay;
using LlmRelay.Usage;

namespace LlmRelay.FunctionalTests.Management;

/// <summary>
/// One pricing source: ModelRatio, CompletionRatio and GroupRatio set through PUT /api/option/ are what /api/pricing and
/// /api/ratio_config show and what the next relay call is charged, and they survive a restart.
/// </summary>
public sealed class PricingOptionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RatiosSetThroughTheApi_AreWhatPricingShows_AndWhatTheNextCallIsCharged_AcrossARestart()
    {
        // FamilyUpstream answers every call with 12 prompt and 4 completion tokens.
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        var database = Path.Combine(Path.GetTempPath(), $"llmrelay-pricing-{Guid.NewGuid():N}.db");
        var settings = Settings.Merge(
            Settings.Token(),
            new() { ["LlmRelay:Tokens:0:Group"] = "vip", ["LlmRelay:Channels:0:Group"] = "default,vip", ["ConnectionStrings:LlmRelay"] = $"Data Source={database}" },
            Settings.Channel(0, upstream.BaseUrl, ["gpt-4o", "house-model"], mapping: new() { ["house-model"] = "gpt-4o" }));
        try
        {
            await using (var h = await ManagementHarness.StartAsync(settings))
            {
                using var relay = h.Gateway.CreateGatewayClient(Settings.Key);

                // gpt-4o has a built-in price: /api/pricing shows it, and a call is charged by it.
                var builtIn = await PricingOfAsync(h, "gpt-4o");
                await CallAsync(relay, "gpt-4o");
                Assert.Equal(Expected(builtIn.ModelRatio, builtIn.CompletionRatio, 1), Latest(await h.Gateway.WaitForLogsAsync(1)).Quota);

                await SetAsync(h, "ModelRatio", """{"gpt-4o":2.5,"house-model":0.75}""");
                await SetAsync(h, "CompletionRatio", """{"gpt-4o":3}""");
                await SetAsync(h, "GroupRatio", """{"default":1,"vip":1.5}""");

                Assert.Equal((2.5, 3.0), await PricingOfAsync(h, "gpt-4o"));
                var house = await PricingOfAsync(h, "house-model");
                Assert.Equal(0.75, house.ModelRatio);
                Assert.Equal(1.5, (await h.Anonymous.SendAsync(HttpMethod.Get, "/api/ratio_config")).Data!["group_ratio"]!["vip"]!.GetValue<double>());

                await CallAsync(relay, "gpt-4o");
                var log = Latest(await h.Gateway.WaitForLogsAsync(2));
                Assert.Equal(Expected(2.5, 3, 1.5), log.Quota); // (12 + 4 x 3) x 2.5 x 1.5 = 90
                Assert.Equal(90, log.Quota);
                var other = JsonNode.Parse(log.Other.ToJson())!;
                Assert.Equal(2.5, other["model_ratio"]!.GetValue<double>());
                Assert.Equal(3, other["completion_ratio"]!.GetValue<double>());
                Assert.Equal(1.5, other["group_ratio"]!.GetValue<double>());

                await CallAsync(relay, "house-model");
                Assert.Equal(Expected(0.75, house.CompletionRatio, 1.5), Latest(await h.Gateway.WaitForLogsAsync(3)).Quota);

                // A change applies to the very next call.
                await SetAsync(h, "ModelRatio", """{"gpt-4o":4}""");
                Assert.Equal((4.0, 3.0), await PricingOfAsync(h, "gpt-4o"));
                await CallAsync(relay, "gpt-4o");
                Assert.Equal(144, Latest(await h.Gateway.WaitForLogsAsync(4)).Quota); // (12 + 12) x 4 x 1.5
            }

            // A restart on the same database charges the stored ratios before anyone opens the management API.
            await using var restarted = new GatewayFactory(settings);
            restarted.Start();
            using var client = restarted.CreateGatewayClient(Settings.Key);
            await CallAsync(client, "gpt-4o");
            Assert.Equal(144, Latest(await restarted.WaitForLogsAsync(5)).Quota); // The four rows above are in the same database.
        }
        finally
        {
            foreach (var suffix in (string[])["", "-wal", "-shm"])
            {
                File.Delete(database + suffix);
            }
        }
    }

    [Fact]
    public async Task ResetModelRatio_ReturnsToTheBuiltInPrice_ForTheNextCall()
    {
        await using var upstream = await MockUpstream.StartAsync(FamilyUpstream.Handler);
        await using var h = await ManagementHarness.StartAsync(Settings.Merge(Settings.Token(), Settings.Channel(0, upstream.BaseUrl, ["gpt-4o"])));
        using var relay = h.Gateway.CreateGatewayClient(Settings.Key);
        var builtIn = await PricingOfAsync(h, "gpt-4o");

        await SetAsync(h, "ModelRatio", """{"gpt-4o":10}""");
        await CallAsync(relay, "gpt-4o");
        Assert.Equal(Expected(10, builtIn.CompletionRatio, 1), Assert.Single(await h.Gateway.WaitForLogsAsync(1)).Quota);

        Assert.True((await h.Root.SendAsync(HttpMethod.Post, "/api/option/rest_model_ratio")).Success);
        Assert.Equal(builtIn, await PricingOfAsync(h, "gpt-4o"));
        await CallAsync(relay, "gpt-4o");
        Assert.Equal(Expected(builtIn.ModelRatio, builtIn.CompletionRatio, 1), Latest(await h.Gateway.WaitForLogsAsync(2)).Quota);
    }

    // What /api/pricing implies for FamilyUpstream's 12 prompt and 4 completion tokens, rounded up as the relay does.
    private static long Expected(double modelRatio, double completionRatio, double groupRatio) =>
        (long)Math.Ceiling(Math.Round((12 + (4 * completionRatio)) * modelRatio * groupRatio, 6, MidpointRounding.AwayFromZero));

    private static UsageLog Latest(IReadOnlyList<UsageLog> logs) => logs.MaxBy(static l => l.Id)!;

    private static async Task SetAsync(ManagementHarness h, string key, string value)
    {
        var set = await h.Root.SendAsync(HttpMethod.Put, "/api/option/", new { key, value });
        Assert.True(set.Success, set.Text);
    }

    private static async Task<(double ModelRatio, double CompletionRatio)> PricingOfAsync(ManagementHarness h, string model)
    {
        var pricing = await h.Anonymous.SendAsync(HttpMethod.Get, "/api/pricing");
        Assert.True(pricing.Success, pricing.Text);
        var row = pricing.Data!.AsArray().Single(r => r!["model_name"]!.GetValue<string>() == model)!;
        return (row["model_ratio"]!.GetValue<double>(), row["completion_ratio"]!.GetValue<double>());
    }

    private static async Task CallAsync(HttpClient relay, string model)
    {
        using var response = await relay.PostAsync(
            "/v1/chat/completions",
            new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"),
            Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
    }
}
