using LlmRelay.Configuration;
using LlmRelay.Pricing;
using LlmRelay.Usage;
using Microsoft.Extensions.Configuration;

namespace LlmRelay.Core.Tests.Pricing;

/// <summary>Units beyond tokens (issue #17): the unit price of a variant, the quota of units, the details on the row.</summary>
public sealed class BillingUnitPricingTests
{
    private static readonly ModelPrice Dalle3 = new()
    {
        Unit = BillingUnit.Image,
        UnitPrice = 0.04,
        UnitPrices = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase) { ["1024x1024/hd"] = 0.08, ["1792x1024"] = 0.08, ["hd"] = 0.1 },
    };

    [Theory]
    [InlineData("1024x1024/hd", 0.08)]  // exact variant
    [InlineData("1024X1024/HD", 0.08)]  // case-insensitive
    [InlineData("1792x1024/hd", 0.08)]  // by size
    [InlineData("512x512/hd", 0.1)]     // by quality
    [InlineData("512x512", 0.04)]       // UnitPrice
    [InlineData(null, 0.04)]
    public void PriceOf_Image_TriesVariantThenSizeThenQualityThenUnitPrice(string? variant, double expected) =>
        Assert.Equal(expected, Dalle3.PriceOf(BillingUnit.Image, variant));

    [Fact]
    public void PriceOf_AnotherUnitOrTokens_IsNull()
    {
        Assert.Null(Dalle3.PriceOf(BillingUnit.Call, null));
        Assert.Null(Dalle3.PriceOf(BillingUnit.Token, null));
        Assert.Null(new ModelPrice { ModelRatio = 2 }.PriceOf(BillingUnit.Image, "1024x1024"));
    }

    [Theory]
    [InlineData(2, 0.08, 1, 80_000)]
    [InlineData(2, 0.08, 1.5, 120_000)]
    [InlineData(1, 0.0001, 1, 50)]
    [InlineData(3, 0.0000001, 1, 1)] // any positive cost is at least 1
    [InlineData(0, 0.08, 1, 0)]
    [InlineData(5, 0, 1, 0)]         // a free unit (moderations)
    public void ComputeUnits_IsUnitsTimesPriceTimesQuotaPerUsdTimesGroup(long units, double price, double group, long quota) =>
        Assert.Equal(quota, QuotaCalculator.ComputeUnits(units, price, group));

    [Fact]
    public void Bind_UnitAndUnitPrices_AndEqualityIsByContent()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmRelay:Pricing:Models:img:Unit"] = "Image",
            ["LlmRelay:Pricing:Models:img:UnitPrice"] = "0.04",
            ["LlmRelay:Pricing:Models:img:UnitPrices:1024x1024/hd"] = "0.08",
            ["LlmRelay:Pricing:Models:img:UnitPrices:1792x1024"] = "0.08",
            ["LlmRelay:Pricing:Models:img:UnitPrices:hd"] = "0.1",
        }).Build();
        var options = new LlmRelayOptions();
        configuration.GetSection("LlmRelay").Bind(options);

        var price = new ModelPricing(new TestOptionsMonitor<LlmRelayOptions>(options)).Resolve("img");

        Assert.Equal(Dalle3, price);
        Assert.Equal(0.08, price.PriceOf(BillingUnit.Image, "1024X1024/HD"));
        Assert.NotEqual(Dalle3 with { UnitPrice = 0.05 }, price);
    }

    [Fact]
    public void Validate_NegativeUnitPrice_IsNamed()
    {
        Assert.Equal("UnitPrice", ModelPricing.Validate(new ModelPrice { Unit = BillingUnit.Call, UnitPrice = -1 }));
        Assert.Equal("UnitPrices:hd", ModelPricing.Validate(new ModelPrice { Unit = BillingUnit.Image, UnitPrices = new Dictionary<string, double> { ["hd"] = double.NaN } }));
    }

    [Fact]
    public void UsageDetails_Units_RoundTripThroughTheirJson()
    {
        var details = new UsageDetails { GroupRatio = 1.5, BillingUnit = UsageDetails.UnitName(BillingUnit.SearchUnit), Units = 2, UnitPrice = 0.002 };

        var json = details.ToJson();
        var read = UsageDetails.Parse(json);

        Assert.Equal("""{"group_ratio":1.5,"billing_unit":"search_unit","units":2,"unit_price":0.002}""", json);
        Assert.Equal(("search_unit", 2L, (string?)null, 0.002), (read.BillingUnit, read.Units!.Value, read.UnitVariant, read.UnitPrice!.Value));
    }
}
