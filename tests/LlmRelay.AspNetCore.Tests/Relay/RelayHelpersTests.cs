using System.Text;
using LlmRelay.AspNetCore.Relay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LlmRelay.AspNetCore.Tests.Relay;

public sealed class RelayHelpersTests
{
    [Theory]
    [InlineData("Authorization", "Bearer sk-a", null, "sk-a")]
    [InlineData("Authorization", "bearer   sk-b  ", null, "sk-b")]
    [InlineData("x-api-key", "sk-c", null, "sk-c")]
    [InlineData("x-goog-api-key", "sk-d", null, "sk-d")]
    [InlineData(null, null, "?key=sk-e", "sk-e")]
    [InlineData("Authorization", "Basic abc", null, null)]
    [InlineData("Authorization", "Bearer ", null, null)]
    public void GatewayKeyReader_ReadsEverySupportedPlace(string? header, string? value, string? query, string? expected)
    {
        var context = new DefaultHttpContext();
        if (header is not null)
        {
            context.Request.Headers[header] = value;
        }

        if (query is not null)
        {
            context.Request.QueryString = new QueryString(query);
        }

        Assert.Equal(expected, GatewayKeyReader.Read(context.Request));
    }

    [Theory]
    [InlineData("""{"error":{"message":"m1","type":"t","code":"c1"}}""", "m1", "c1")]
    [InlineData("""{"type":"error","error":{"type":"overloaded_error","message":"m2"}}""", "m2", "overloaded_error")]
    [InlineData("""{"error":{"code":400,"message":"m3","status":"INVALID_ARGUMENT"}}""", "m3", "400")]
    [InlineData("""[{"error":{"code":429,"message":"m4","status":"RESOURCE_EXHAUSTED"}}]""", "m4", "429")]
    [InlineData("""{"error":"m5"}""", "m5", null)]
    [InlineData("""{"detail":"m6"}""", "m6", null)]
    [InlineData("Bad Gateway", "Bad Gateway", null)]
    [InlineData("", "(empty upstream error body)", null)]
    public void UpstreamErrorMessage_ExtractsEachFamilysMessage(string body, string message, string? code)
    {
        var (actualMessage, actualCode) = UpstreamErrorMessage.Extract(Encoding.UTF8.GetBytes(body));

        Assert.Equal(message, actualMessage);
        Assert.Equal(code, actualCode);
    }

    [Fact]
    public void MapLlmRelay_WithoutAddLlmRelay_ThrowsNamingTheMissingCall()
    {
        var app = WebApplication.CreateBuilder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapLlmRelay());

        Assert.Contains("AddLlmRelay", error.Message, StringComparison.Ordinal);
    }
}
