using LlmRelay.Channels;
using LlmRelay.Configuration;
using LlmRelay.Core.Tests.TestDoubles;
using LlmRelay.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace LlmRelay.Core.Tests.Configuration;

public sealed class ConfigurationSynchronizerTests
{
    private readonly FakeChannelStore _channels = new();
    private readonly FakeTokenStore _tokens = new();

    private Task SyncAsync(LlmRelayOptions options) =>
        ConfigurationSynchronizer.SyncAsync(options, _channels, _tokens, new FakeTimeProvider(), TestContext.Current.CancellationToken);

    [Fact]
    public async Task SyncAsync_AddsDeclaredChannelsAndTokens()
    {
        await SyncAsync(new LlmRelayOptions
        {
            Channels = [new ChannelOptions { Name = "a", BaseUrl = " http://x/v1 ", Keys = ["k", " "], Models = ["m"], ModelMapping = new Dictionary<string, string> { ["alias"] = "m" }, Priority = 3 }],
            Tokens = [new TokenOptions { Key = "sk-1", RemainQuota = 42, Models = ["m"] }],
        });

        var channel = Assert.Single(_channels.Channels);
        Assert.Equal(("a", "http://x/v1", 3L, ConfigurationSynchronizer.Source), (channel.Name, channel.BaseUrl, channel.Priority, channel.Source));
        Assert.Equal(["k"], channel.Keys);
        Assert.Equal("m", channel.ModelMapping["alias"]);
        var token = Assert.Single(_tokens.Tokens);
        Assert.Equal(ApiKeys.Hash("sk-1"), token.KeyHash);
        Assert.Equal(42, token.RemainQuota);
        Assert.Equal("config-token-0", token.Name);
        Assert.DoesNotContain("sk-1", token.KeyHint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SyncAsync_Again_UpdatesByNameAndKey_AndKeepsTheSpentBalance()
    {
        await SyncAsync(new LlmRelayOptions
        {
            Channels = [new ChannelOptions { Name = "a", BaseUrl = "http://x", Models = ["m"] }],
            Tokens = [new TokenOptions { Key = "sk-1", RemainQuota = 100 }],
        });
        _tokens.Tokens[0].RemainQuota = 60; // traffic spent 40

        await SyncAsync(new LlmRelayOptions
        {
            Channels = [new ChannelOptions { Name = "a", BaseUrl = "http://y", Models = ["m2"], Enabled = false }],
            Tokens = [new TokenOptions { Key = "sk-1", Name = "renamed", RemainQuota = 100 }],
        });

        var channel = Assert.Single(_channels.Channels);
        Assert.Equal("http://y", channel.BaseUrl);
        Assert.Equal(["m2"], channel.Models);
        Assert.Equal(ChannelStatus.ManuallyDisabled, channel.Status);
        var token = Assert.Single(_tokens.Tokens);
        Assert.Equal("renamed", token.Name);
        Assert.Equal(60, token.RemainQuota);
    }
}
