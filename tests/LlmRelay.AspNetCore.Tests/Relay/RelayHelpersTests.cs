using LlmRelay.AspNetCore.Authentication;
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

    [Fact]
    public void MapLlmRelay_WithoutAddLlmRelay_ThrowsNamingTheMissingCall()
    {
        var app = WebApplication.CreateBuilder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapLlmRelay());

        Assert.Contains("AddLlmRelay", error.Message, StringComparison.Ordinal);
    }
}
