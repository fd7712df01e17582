using System.Text;
using LlmRelay.Pipeline;

namespace LlmRelay.Core.Tests.Pipeline;

public sealed class UpstreamErrorMessageTests
{
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
}
