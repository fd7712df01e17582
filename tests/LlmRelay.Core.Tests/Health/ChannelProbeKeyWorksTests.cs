using LlmRelay.Health;

namespace LlmRelay.Core.Tests.Health;

/// <summary>The re-test probe reads its answer with the relay's one classifier.</summary>
public sealed class ChannelProbeKeyWorksTests
{
    [Theory]
    [InlineData(200, "", true)]
    [InlineData(404, """{"error":{"message":"The model `x` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}""", true)]
    [InlineData(400, """{"error":{"message":"Invalid value: 'billing'.","type":"invalid_request_error","param":"messages[0].role","code":"invalid_value"}}""", true)]
    [InlineData(401, """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""", false)]
    [InlineData(429, """{"error":{"message":"You exceeded your current quota.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""", false)]
    [InlineData(400, """{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}""", false)]
    [InlineData(429, """{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}""", false)]
    [InlineData(0, "", false)]
    public void KeyWorks_UsesTheClassifier(int status, string body, bool expected) =>
        Assert.Equal(expected, ChannelProbe.KeyWorks(status, System.Text.Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void KeyWorks_RecordedGeminiInvalidKey_StaysDisabled()
    {
        var root = UpstreamFixtures.Require();

        Assert.False(ChannelProbe.KeyWorks(400, File.ReadAllBytes(Path.Combine(root, "gemini", "error-400-api-key-invalid.json"))));
        Assert.True(ChannelProbe.KeyWorks(404, File.ReadAllBytes(Path.Combine(root, "gemini", "error-404-model-not-found.json"))));
    }
}
