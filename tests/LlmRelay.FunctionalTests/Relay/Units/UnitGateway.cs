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

    /// <summary>Asserts a refusal before anything was sent: the OpenAI-shaped <c>invalid_request_error</c> naming <paramref name="param"/>, no upstream request, the token untouched.</summary>
    public static async Task<JsonNode> AssertRefusedAsync(GatewayFactory gateway, MockUpstream upstream, HttpResponseMessage response, HttpStatusCode status, string? param)
    {
        var error = await AssertErrorAsync(response, status);
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(param, error["param"]?.GetValue<string>());
        Assert.Empty(upstream.Requests);
        Assert.Equal((Balance, 0L), await BalanceAsync(gateway));
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

    /// <summary>A multipart form of <paramref name="fields"/>; a field with a file name is a PNG image.</summary>
    public static MultipartFormDataContent Form(params (string Name, byte[] Content, string? FileName)[] fields) => FormOf("image/png", fields);

    /// <summary>A multipart form of <paramref name="fields"/>; a field with a file name is a file of <paramref name="fileType"/>.</summary>
    public static MultipartFormDataContent FormOf(string fileType, params (string Name, byte[] Content, string? FileName)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, content, fileName) in fields)
        {
            var part = new ByteArrayContent(content);
            if (fileName is null)
            {
                form.Add(part, name);
            }
            else
            {
                part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(fileType);
                form.Add(part, name, fileName);
            }
        }

        return form;
    }

    /// <summary>Reads the multipart body the upstream received back into its fields, as an upstream would.</summary>
    public static async Task<Dictionary<string, byte[]>> ReadFormAsync(RecordedRequest sent)
    {
        var boundary = HeaderUtilities(sent.Headers["Content-Type"]);
        var reader = new Microsoft.AspNetCore.WebUtilities.MultipartReader(boundary, new MemoryStream(sent.Body));
        var fields = new Dictionary<string, byte[]>();
        while (await reader.ReadNextSectionAsync(Ct) is { } section)
        {
            var disposition = Microsoft.Net.Http.Headers.ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            using var content = new MemoryStream();
            await section.Body.CopyToAsync(content, Ct);
            fields[disposition.Name.Value!.Trim('"')] = content.ToArray();
        }

        return fields;
    }

    private static string HeaderUtilities(string contentType) =>
        Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType).Boundary).Value!;
}
