using LlmRelay.Configuration;

namespace LlmRelay.Core.Tests.Configuration;

public sealed class LlmRelayOptionsValidatorTests
{
    private static LlmRelayOptions Options(ChannelOptions? channel = null, TokenOptions? token = null) => new()
    {
        Channels = channel is null ? [] : [channel],
        Tokens = token is null ? [] : [token],
    };

    [Fact]
    public void Validate_GoodOptions_Succeeds()
    {
        var result = new LlmRelayOptionsValidator().Validate(null, Options(
            new ChannelOptions { BaseUrl = "https://api.example.com/v1", Models = ["m"] },
            new TokenOptions { Key = "sk-x" }));

        Assert.True(result.Succeeded);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000/v1", false, false)]
    [InlineData("http://127.0.0.1:9000/v1", true, true)]
    [InlineData("http://0x7f000001:9000/", false, false)]
    [InlineData("http://2130706433/", false, false)]
    [InlineData("http://[::1]:11434/", true, true)]
    [InlineData("http://169.254.169.254/", true, false)]
    [InlineData("http://metadata.google.internal/", true, false)]
    [InlineData("http://ollama.internal.example:11434/", false, true)]
    public void Validate_InternalBaseUrl_FollowsTheOutboundAddressPolicy(string baseUrl, bool allowPrivate, bool succeeds)
    {
        var options = Options(new ChannelOptions { BaseUrl = baseUrl, Models = ["m"] });
        options.Outbound.AllowPrivateAddresses = allowPrivate;

        var result = new LlmRelayOptionsValidator().Validate(null, options);

        Assert.Equal(succeeds, result.Succeeded);
        if (!succeeds)
        {
            Assert.Contains("LlmRelay:Channels:0:BaseUrl", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("", "LlmRelay:Channels:0:BaseUrl")]
    [InlineData("ftp://x", "LlmRelay:Channels:0:BaseUrl")]
    [InlineData("not a url", "LlmRelay:Channels:0:BaseUrl")]
    public void Validate_BadBaseUrl_NamesTheKey(string baseUrl, string key)
    {
        var result = new LlmRelayOptionsValidator().Validate(null, Options(new ChannelOptions { BaseUrl = baseUrl, Models = ["m"] }));

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ChatClientChannel_TakesAChatClientUrl_AndOnlyThat()
    {
        var validator = new LlmRelayOptionsValidator();

        Assert.True(validator.Validate(null, Options(new ChannelOptions { Type = "chat-client", BaseUrl = "chatclient://local", Models = ["m"] })).Succeeded);
        Assert.True(validator.Validate(null, Options(new ChannelOptions { Type = "chat-client", BaseUrl = "http://x", Models = ["m"] })).Failed);
        Assert.True(validator.Validate(null, Options(new ChannelOptions { Type = "openai", BaseUrl = "chatclient://local", Models = ["m"] })).Failed);
    }

    [Fact]
    public void Validate_ChannelWithoutModels_Fails() =>
        Assert.Contains("Models", new LlmRelayOptionsValidator().Validate(null, Options(new ChannelOptions { BaseUrl = "http://x" })).FailureMessage, StringComparison.Ordinal);

    [Fact]
    public void Validate_UnsupportedChannelType_Fails() =>
        Assert.True(new LlmRelayOptionsValidator().Validate(null, Options(new ChannelOptions { BaseUrl = "http://x", Type = "carrier-pigeon", Models = ["m"] })).Failed);

    [Fact]
    public void Validate_TokenWithoutKey_Fails() =>
        Assert.Contains("LlmRelay:Tokens:0:Key", new LlmRelayOptionsValidator().Validate(null, Options(token: new TokenOptions())).FailureMessage, StringComparison.Ordinal);

    [Theory]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("192.168.1.7", true)]
    [InlineData("2001:db8::/32", true)]
    [InlineData("10.0.0.0/99", false)]
    [InlineData("localhost", false)]
    public void Validate_TokenAllowIps_AcceptsAddressesAndCidrsOnly(string entry, bool valid) =>
        Assert.Equal(valid, new LlmRelayOptionsValidator().Validate(null, Options(token: new TokenOptions { Key = "sk-x", AllowIps = [entry] })).Succeeded);

    [Fact]
    public void Validate_DuplicateTokenKeys_Fails()
    {
        var options = new LlmRelayOptions { Tokens = [new TokenOptions { Key = "sk-a" }, new TokenOptions { Key = "sk-a" }] };

        Assert.Contains("LlmRelay:Tokens:1:Key", new LlmRelayOptionsValidator().Validate(null, options).FailureMessage, StringComparison.Ordinal);
    }
}
