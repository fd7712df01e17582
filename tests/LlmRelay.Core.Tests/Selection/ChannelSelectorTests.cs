using LlmRelay.Channels;
using LlmRelay.Selection;

namespace LlmRelay.Core.Tests.Selection;

public sealed class ChannelSelectorTests
{
    private static RelayChannel Channel(long id, long priority = 0, int weight = 1, string group = "default", ChannelStatus status = ChannelStatus.Enabled, params string[] models) => new()
    {
        Id = id,
        Name = $"c{id}",
        BaseUrl = "http://127.0.0.1:1",
        Priority = priority,
        Weight = weight,
        Group = group,
        Status = status,
        Models = models.Length == 0 ? ["m"] : [.. models],
    };

    [Fact]
    public void Select_UnknownModel_ReturnsModelNotFound()
    {
        var catalog = new ChannelCatalog([Channel(1)]);

        Assert.Equal(ChannelSelectionStatus.ModelNotFound, ChannelSelector.Select(catalog, "default", "other", [], out var channel));
        Assert.Null(channel);
    }

    [Fact]
    public void Select_OtherGroup_ReturnsModelNotFound()
    {
        var catalog = new ChannelCatalog([Channel(1, group: "vip")]);

        Assert.Equal(ChannelSelectionStatus.ModelNotFound, ChannelSelector.Select(catalog, "default", "m", [], out _));
        Assert.Equal(ChannelSelectionStatus.Selected, ChannelSelector.Select(catalog, "vip", "m", [], out _));
    }

    [Fact]
    public void Select_ChannelInSeveralGroups_ServesEach()
    {
        var catalog = new ChannelCatalog([Channel(1, group: "default, vip")]);

        Assert.Equal(ChannelSelectionStatus.Selected, ChannelSelector.Select(catalog, "default", "m", [], out _));
        Assert.Equal(ChannelSelectionStatus.Selected, ChannelSelector.Select(catalog, "vip", "m", [], out _));
    }

    [Fact]
    public void Select_OnlyDisabledChannels_ReturnsNoChannelAvailable()
    {
        var catalog = new ChannelCatalog([Channel(1, status: ChannelStatus.AutoDisabled), Channel(2, status: ChannelStatus.ManuallyDisabled)]);

        Assert.Equal(ChannelSelectionStatus.NoChannelAvailable, ChannelSelector.Select(catalog, "default", "m", [], out _));
    }

    [Fact]
    public void Select_AlwaysPrefersTheHighestPriorityTier()
    {
        var catalog = new ChannelCatalog([Channel(1, priority: 0, weight: 1000), Channel(2, priority: 5, weight: 1)]);

        for (var i = 0; i < 200; i++)
        {
            ChannelSelector.Select(catalog, "default", "m", [], out var channel);
            Assert.Equal(2, channel!.Id);
        }
    }

    [Fact]
    public void Select_ExcludedChannels_FallToTheNextTier_AndFinallyToNone()
    {
        var catalog = new ChannelCatalog([Channel(1, priority: 0), Channel(2, priority: 5), Channel(3, priority: 5)]);

        ChannelSelector.Select(catalog, "default", "m", [2], out var first);
        Assert.Equal(3, first!.Id);
        ChannelSelector.Select(catalog, "default", "m", [2, 3], out var second);
        Assert.Equal(1, second!.Id);
        Assert.Equal(ChannelSelectionStatus.NoChannelAvailable, ChannelSelector.Select(catalog, "default", "m", [1, 2, 3], out _));
    }

    [Fact]
    public void Select_WeightsShapeTheDistributionInsideATier()
    {
        var catalog = new ChannelCatalog([Channel(1, weight: 1), Channel(2, weight: 3), Channel(3, weight: 0)]);
        var counts = new Dictionary<long, int> { [1] = 0, [2] = 0, [3] = 0 };

        for (var i = 0; i < 8000; i++)
        {
            ChannelSelector.Select(catalog, "default", "m", [], out var channel);
            counts[channel!.Id]++;
        }

        // Expected 2000 / 6000 / 0; the bounds are ~10 standard deviations wide, so the test cannot flake.
        Assert.InRange(counts[1], 1600, 2400);
        Assert.InRange(counts[2], 5600, 6400);
        Assert.Equal(0, counts[3]);
    }

    [Fact]
    public void Select_AllZeroWeights_PicksUniformly()
    {
        var catalog = new ChannelCatalog([Channel(1, weight: 0), Channel(2, weight: 0)]);
        var seen = new HashSet<long>();

        for (var i = 0; i < 200; i++)
        {
            ChannelSelector.Select(catalog, "default", "m", [], out var channel);
            seen.Add(channel!.Id);
        }

        Assert.Equal([1, 2], seen.Order());
    }

    [Fact]
    public void Catalog_ModelMappingAliases_AreServedAndMapped()
    {
        var channel = Channel(1, models: "gpt-4o");
        channel.ModelMapping["smart"] = "gpt-4o-2024-08-06";
        var catalog = new ChannelCatalog([channel]);

        Assert.Equal(["gpt-4o", "smart"], catalog.ModelsOf("default"));
        ChannelSelector.Select(catalog, "default", "smart", [], out var entry);
        Assert.Equal("gpt-4o-2024-08-06", entry!.MapModel("smart"));
        Assert.Equal("gpt-4o", entry.MapModel("gpt-4o"));
    }

    [Fact]
    public void Catalog_ModelsOf_LeavesOutModelsServedOnlyByDisabledChannels()
    {
        var catalog = new ChannelCatalog([Channel(1, models: "a"), Channel(2, status: ChannelStatus.ManuallyDisabled, models: "b")]);

        Assert.Equal(["a"], catalog.ModelsOf("default"));
    }

    [Fact]
    public void Select_PreferredUsableChannel_WinsOverWeightsAndPolicies()
    {
        var catalog = new ChannelCatalog([Channel(1, weight: 1), Channel(2, weight: 1000)]);

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(ChannelSelectionStatus.Selected, ChannelSelector.Select(catalog, "default", "m", [], out var channel, preferredChannelId: 1));
            Assert.Equal(1, channel!.Id);
        }
    }

    [Fact]
    public void Select_PreferredChannelTriedOrDisabledOrElsewhere_FallsBackToThePolicy()
    {
        var catalog = new ChannelCatalog([
            Channel(1),
            Channel(2),
            Channel(3, status: ChannelStatus.AutoDisabled),
            Channel(4, group: "vip"),
            Channel(5, models: "other")]);

        ChannelSelector.Select(catalog, "default", "m", [1], out var afterFailure, preferredChannelId: 1);
        Assert.Equal(2, afterFailure!.Id);

        foreach (var preferred in (long[])[3, 4, 5, 99])
        {
            Assert.Equal(ChannelSelectionStatus.Selected, ChannelSelector.Select(catalog, "default", "m", [], out var channel, preferred));
            Assert.Contains(channel!.Id, (long[])[1, 2]);
        }
    }

    [Fact]
    public void Select_PreferredChannelInALowerTier_YieldsToAUsableHigherTier()
    {
        var catalog = new ChannelCatalog([Channel(1, priority: 5), Channel(2, priority: 0)]);

        ChannelSelector.Select(catalog, "default", "m", [], out var recovered, preferredChannelId: 2);
        Assert.Equal(1, recovered!.Id);

        // While the higher tier has nothing usable, the session stays on its lower-tier channel.
        ChannelSelector.Select(catalog, "default", "m", [1], out var fallback, preferredChannelId: 2);
        Assert.Equal(2, fallback!.Id);
    }

    [Fact]
    public void ChannelEntry_NextKey_RoundRobinsAndSkipsBlankKeys()
    {
        var channel = Channel(1);
        channel.Keys = ["k1", " ", "k2"];
        var entry = new ChannelEntry(channel);

        Assert.Equal(["k1", "k2", "k1", "k2"], [entry.NextKey(), entry.NextKey(), entry.NextKey(), entry.NextKey()]);
    }
}
