using LlmRelay.Selection;

namespace LlmRelay.Core.Tests.Selection;

public sealed class UpstreamUrlsTests
{
    [Theory]
    [InlineData("https://api.openai.com", "https://api.openai.com/v1")]
    [InlineData("https://api.openai.com/", "https://api.openai.com/v1")]
    [InlineData("https://api.openai.com/v1", "https://api.openai.com/v1")]
    [InlineData("https://api.openai.com/v1/", "https://api.openai.com/v1")]
    [InlineData("https://api.groq.com/openai/v1", "https://api.groq.com/openai/v1")]
    [InlineData("https://open.bigmodel.cn/api/paas/v4", "https://open.bigmodel.cn/api/paas/v4")]
    [InlineData("http://127.0.0.1:9000/v1beta", "http://127.0.0.1:9000/v1beta")]
    [InlineData("http://127.0.0.1:11434", "http://127.0.0.1:11434/v1")]
    public void Normalize_AcceptsBaseUrlsWithOrWithoutTheVersion(string input, string expected) =>
        Assert.Equal(expected, UpstreamUrls.Normalize(input));

    [Fact]
    public void Combine_AppendsThePath() =>
        Assert.Equal("https://api.openai.com/v1/chat/completions", UpstreamUrls.Combine("https://api.openai.com/v1", "chat/completions").ToString());
}
