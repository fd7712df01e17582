using System.Net;
using LlmRelay.FunctionalTests.Infrastructure;
using static LlmRelay.FunctionalTests.Relay.Units.UnitGateway;

namespace LlmRelay.FunctionalTests.Relay.Units;

/// <summary>The five /v1/files routes answer the spec's 501 "not implemented" in the OpenAI shape, not 404, and only to a valid key (issue #17).</summary>
public sealed class FilesTests
{
    public static TheoryData<string, string> Routes() => new()
    {
        { "POST", "/v1/files" },
        { "GET", "/v1/files" },
        { "GET", "/v1/files/file-abc123" },
        { "DELETE", "/v1/files/file-abc123" },
        { "GET", "/v1/files/file-abc123/content" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task FilesRoute_Is501ApiNotImplemented_InTheOpenAIShape(string method, string path)
    {
        await using var gateway = Start("default");
        using var client = gateway.CreateGatewayClient(Settings.Key);

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        var error = await AssertErrorAsync(response, HttpStatusCode.NotImplemented);
        Assert.Equal("api_not_implemented", error["code"]!.GetValue<string>());
        Assert.Empty(await gateway.WaitForLogsAsync(0));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task FilesRoute_WithoutAKey_Is401(string method, string path)
    {
        await using var gateway = Start("default");
        using var client = gateway.CreateGatewayClient(null);

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized);
    }
}
