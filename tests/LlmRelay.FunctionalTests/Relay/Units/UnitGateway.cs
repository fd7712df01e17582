using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmRelay.FunctionalTests.Infrastructure;
using LlmRelay.Storage;
using LlmRelay.Tokens;
using LlmRelay.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace LlmRelay.FunctionalTests.Relay.Units;

/// <summary>A gateway with a limited token (balance <see cref="Balance"/>, group "vip" paying 1.5 where asked) for the unit-billed families (issue #17).</summary>
internal static class UnitGateway
{
    public const long Balance = 10_000_000;

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static GatewayFactory Start(string group, params Dictionary<string, string?>[] parts)
    {
        var gateway = new GatewayFactory(Settings.Merge([
            Settings.Token(unlimited: false, remainQuota: Balance),
            new()
            {
                ["LlmRelay:Tokens:0:Group"] = group,
                ["LlmRelay:Pricing:GroupRatios:vip"] = "1.5",
            },
            .. parts]));
        gateway.Start();
        return gateway;
    }

    /// <summary>A channel of <paramref name="type"/> in the groups default and vip.</summary>
    public static Dictionary<string, string?> Channel(int index, string baseUrl, string[] models, string type = "openai", string name = "", long priority = 0, Dictionary<string, string>? mapping = null)
    {
        var channel = Settings.Channel(index, baseUrl, models, name: name, priority: priority, mapping: mapping, type: type);
        channel[$"LlmRelay:Channels:{index}:Group"] = "default,vip";
        return channel;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<(long Remain, long Used)> BalanceAsync(GatewayFactory gateway)
    {
        using var scope = gateway.Services.CreateScope();
        var token = (await scope.ServiceProvider.GetRequiredService<ITokenStore>().FindByKeyHashAsync(ApiKeys.Hash(Settings.Key), Ct))!;
        return (token.RemainQuota, token.UsedQuota);
    }

    /// <summary>Asserts the caller's OpenAI-shaped error and returns its <c>error</c> object.</summary>
    public static async Task<JsonNode> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
        Assert.NotNull(error["type"]);
        return error;
    }

    /// <summary>Asserts the single usage row's charge and its unit details, and that the token paid exactly that.</summary>
    public static async Task<UsageLog> AssertChargedAsync(GatewayFactory gateway, long quota, string unit, long units, string? variant, double? unitPrice)
    {
        var log = Assert.Single(await gateway.WaitForLogsAsync(1));
        Assert.Equal(UsageLogType.Consume, log.Type);
        Assert.Equal(quota, log.Quota);
        var other = JsonNode.Parse(log.Other.ToJson())!;
        Assert.Equal(unit, other["billing_unit"]!.GetValue<string>());
        Assert.Equal(units, other["units"]!.GetValue<long>());
        Assert.Equal(variant, other["unit_variant"]?.GetValue<string>());
        Assert.Equal(unitPrice, other["unit_price"]?.GetValue<double>());
        Assert.Equal((Balance - quota, quota), await BalanceAsync(gateway));
        return log;
    }
}
