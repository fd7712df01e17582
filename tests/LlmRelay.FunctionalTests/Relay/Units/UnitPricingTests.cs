using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.FunctionalTests.Management;

namespace LlmRelay.FunctionalTests.Relay.Units;

/// <summary>GET /api/pricing shows the units beyond tokens (issue #17): per image by size and quality, per call, per search unit; the dashboard's logs show a call's units.</summary>
public sealed class UnitPricingTests
{
    [Fact]
    public async Task LogsPage_ShowsTheUnitsOfACall_ReadBackFromTheStore()
    {
        await using var h = await ManagementHarness.StartAsync();
        var row = DashboardLogsTests.Row(h.RootId, "dall-e-3", quota: 80_000);
        row.Other = new LlmRelay.Usage.UsageDetails { GroupRatio = 1, BillingUnit = "image", Units = 2, UnitVariant = "1024x1024/hd", UnitPrice = 0.08 };
        await DashboardLogsTests.AppendAsync(h, row);

        var html = System.Net.WebUtility.HtmlDecode(await h.Root.Http.GetStringAsync("/dashboard/logs", TestContext.Current.CancellationToken));

        Assert.Contains("· 2 images (1024x1024/hd)", html, StringComparison.Ordinal);
        Assert.Contains("title=\"$0.08\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pricing_ShowsTheUnit_AndTheUnitPrices_OfUnitPricedModels()
    {
        var settings = Settings.Merge(
            Settings.Token(),
            new()
            {
                ["LlmRelay:Pricing:Models:image-model:Unit"] = "Image",
                ["LlmRelay:Pricing:Models:image-model:UnitPrice"] = "0.04",
                ["LlmRelay:Pricing:Models:image-model:UnitPrices:1024x1024/hd"] = "0.08",
            },
            Settings.Channel(0, "http://127.0.0.1:9", ["image-model", "dall-e-3", "omni-moderation-latest", "rerank-v3.5", "gpt-4o"]));
        await using var h = await ManagementHarness.StartAsync(settings);

        var pricing = await h.Anonymous.SendAsync(HttpMethod.Get, "/api/pricing");

        Assert.True(pricing.Success, pricing.Text);
        var rows = pricing.Data!.AsArray().ToDictionary(static r => r!["model_name"]!.GetValue<string>(), static r => r!);
        var image = rows["image-model"];
        Assert.Equal("image", image["billing_unit"]!.GetValue<string>());
        Assert.Equal(1, image["quota_type"]!.GetValue<int>());
        Assert.Equal(0.04, image["unit_price"]!.GetValue<double>());
        Assert.Equal(0.04, image["model_price"]!.GetValue<double>());
        Assert.Equal(0.08, image["unit_prices"]!["1024x1024/hd"]!.GetValue<double>());
        Assert.Equal(0.12, rows["dall-e-3"]["unit_prices"]!["1792x1024/hd"]!.GetValue<double>()); // The built-in table.
        Assert.Equal("call", rows["omni-moderation-latest"]["billing_unit"]!.GetValue<string>());
        Assert.Equal("search_unit", rows["rerank-v3.5"]["billing_unit"]!.GetValue<string>());
        Assert.Null(rows["gpt-4o"]["billing_unit"]); // Tokens: as before.
        Assert.Equal(0, rows["gpt-4o"]["quota_type"]!.GetValue<int>());
    }
}
