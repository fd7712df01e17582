using LlmRelay.Channels;
using LlmRelay.Selection;

namespace LlmRelay.Core.Tests.Selection;

public sealed class ChannelCatalogTests
{
    private static RelayChannel Channel(long id, string type, long priority = 0, string group = "default", ChannelStatus status = ChannelStatus.Enabled) => new()
    {
        Id = id,
        Name = $"c{id}",
        Type = type,
        BaseUrl = "http://127.0.0.1:1",
        Priority = priority,
        Group = group,
        Status = status,
        Models = ["m"],
    };

    [Fact]
    public void Contains_ModelOfTheGroup_True_OtherGroupOrModel_False()
    {
        var catalog = new ChannelCatalog([Channel(1, ChannelTypes.OpenAI, group: "vip")]);

        Assert.True(catalog.Contains("vip", "m"));
        Assert.False(catalog.Contains("default", "m"));
        Assert.False(catalog.Contains("vip", "other"));
    }

    [Fact]
    public void Contains_OnlyDisabledChannels_TrueButNotListed()
    {
        var catalog = new ChannelCatalog([Channel(1, ChannelTypes.OpenAI, status: ChannelStatus.ManuallyDisabled)]);

        Assert.True(catalog.Contains("default", "m"));
        Assert.Empty(catalog.ModelsOf("default"));
    }

    [Fact]
    public void ChannelTypeOf_HighestPriorityTierFirst_NullWhenNotServed()
    {
        var catalog = new ChannelCatalog([Channel(1, ChannelTypes.OpenAI, priority: 0), Channel(2, ChannelTypes.Anthropic, priority: 5)]);

        Assert.Equal(ChannelTypes.Anthropic, catalog.ChannelTypeOf("default", "m"));
        Assert.Null(catalog.ChannelTypeOf("default", "other"));
    }
}
