using LlmRelay.Channels;
using LlmRelay.Concurrency;
using LlmRelay.Configuration;
using LlmRelay.Selection;
using LlmRelay.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmRelay.Core.Tests.Selection;

public sealed class ChannelSelectionPolicyTests
{
    private static RelayChannel Channel(long id, int weight = 1, string group = "default", long priority = 0) => new()
    {
        Id = id,
        Name = $"c{id}",
        BaseUrl = "http://127.0.0.1:1",
        Weight = weight,
        Group = group,
        Priority = priority,
        Models = ["m"],
    };

    private static ChannelCatalog Catalog(string policy, ChannelLoadTracker? loads = null, Dictionary<string, string>? groups = null, params RelayChannel[] channels)
    {
        var options = new ChannelSelectionOptions { Policy = policy };
        foreach (var (group, name) in groups ?? [])
        {
            options.Groups[group] = name;
        }

        return new ChannelCatalog(channels, null, new ChannelSelectionPolicySet(ChannelSelectionPolicySet.BuiltIn(), options), loads);
    }

    private static long Pick(ChannelCatalog catalog, string group = "default", params long[] excluded)
    {
        Assert.Equal(ChannelSelectionStatus.Selected, ChannelSelector.Select(catalog, group, "m", excluded, out var channel));
        return channel!.Id;
    }

    [Fact]
    public void RoundRobin_VisitsEachChannelInTurn_IgnoringWeights()
    {
        var catalog = Catalog(ChannelSelectionPolicies.RoundRobin, null, null, Channel(1, weight: 100), Channel(2, weight: 1), Channel(3, weight: 0));

        var picks = Enumerable.Range(0, 9).Select(_ => Pick(catalog)).ToArray();

        Assert.Equal([1, 2, 3, 1, 2, 3, 1, 2, 3], picks);
    }

    [Fact]
    public void RoundRobin_SkipsExcludedChannels_AndKeepsPriorityTiers()
    {
        var catalog = Catalog(ChannelSelectionPolicies.RoundRobin, null, null, Channel(1, priority: 5), Channel(2, priority: 5), Channel(3));

        Assert.All(Enumerable.Range(0, 6).Select(_ => Pick(catalog, "default", 1)), id => Assert.Equal(2, id));
        Assert.Equal(3, Pick(catalog, "default", 1, 2));
    }

    [Fact]
    public void LeastBusy_PicksTheChannelWithFewestCallsInFlight()
    {
        var loads = new ChannelLoadTracker();
        var catalog = Catalog(ChannelSelectionPolicies.LeastBusy, loads, null, Channel(1, weight: 100), Channel(2, weight: 1), Channel(3, weight: 1));
        loads.For(1).Enter();
        loads.For(1).Enter();
        loads.For(2).Enter();

        Assert.All(Enumerable.Range(0, 50).Select(_ => Pick(catalog)), id => Assert.Equal(3, id));

        loads.For(3).Enter();
        loads.For(3).Enter();
        Assert.All(Enumerable.Range(0, 50).Select(_ => Pick(catalog)), id => Assert.Equal(2, id));
    }

    [Fact]
    public void LeastBusy_AmongEquals_SharesByWeight()
    {
        var catalog = Catalog(ChannelSelectionPolicies.LeastBusy, new ChannelLoadTracker(), null, Channel(1, weight: 1), Channel(2, weight: 1));

        var picks = Enumerable.Range(0, 400).Select(_ => Pick(catalog)).ToArray();

        // Not "always the first": both take part (a 1-in-2^400 chance of failing with a fair coin).
        Assert.Contains(1L, picks);
        Assert.Contains(2L, picks);
    }

    [Fact]
    public void LowestLatency_TriesUnmeasuredChannelsFirst_ThenTheFastest()
    {
        var loads = new ChannelLoadTracker();
        var catalog = Catalog(ChannelSelectionPolicies.LowestLatency, loads, null, Channel(1), Channel(2), Channel(3));
        loads.For(1).RecordFirstByte(TimeSpan.FromMilliseconds(300));
        loads.For(3).RecordFirstByte(TimeSpan.FromMilliseconds(100));

        Assert.Equal(2, Pick(catalog));

        loads.For(2).RecordFirstByte(TimeSpan.FromMilliseconds(200));
        Assert.Equal(3, Pick(catalog));

        // The average follows: channel 3 turns slow, channel 2 is now the fastest.
        for (var i = 0; i < 20; i++)
        {
            loads.For(3).RecordFirstByte(TimeSpan.FromMilliseconds(900));
        }

        Assert.Equal(2, Pick(catalog));
    }

    [Fact]
    public void Groups_UseTheirOwnPolicy_OthersTheDefault()
    {
        var catalog = Catalog(
            ChannelSelectionPolicies.WeightedRandom,
            null,
            new() { ["vip"] = ChannelSelectionPolicies.RoundRobin },
            Channel(1, weight: 1, group: "default,vip"),
            Channel(2, weight: 0, group: "default,vip"));

        Assert.Equal([1, 2, 1, 2], Enumerable.Range(0, 4).Select(_ => Pick(catalog, "vip")).ToArray());
        // weighted-random never picks a weight-0 channel while another has weight.
        Assert.All(Enumerable.Range(0, 100).Select(_ => Pick(catalog)), id => Assert.Equal(1, id));
    }

    [Fact]
    public async Task ConcurrencyLease_CountsTheChannelInFlight_UntilDisposed()
    {
        using var concurrency = new RelayConcurrency(Options.Create(new LlmRelayOptions()), TimeProvider.System);
        var load = new ChannelLoad();

        var first = await concurrency.AcquireAsync("channel:1:0", TestContext.Current.CancellationToken, load);
        var second = await concurrency.AcquireAsync("channel:1:1", TestContext.Current.CancellationToken, load);
        Assert.Equal(2, load.InFlight);

        first.Dispose();
        first.Dispose();
        Assert.Equal(1, load.InFlight);
        second.Dispose();
        Assert.Equal(0, load.InFlight);
    }

    [Fact]
    public async Task AddChannelSelectionPolicy_CustomPolicy_IsChosenByNameForItsGroup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLlmRelay(o => o.Selection.Groups["batch"] = "last")
            .AddChannelSelectionPolicy<LastPolicy>()
            .AddChannelSelectionPolicy<LastPolicy>()
            .AddInMemoryStores();
        await using var provider = services.BuildServiceProvider();
        Assert.Single(provider.GetServices<IChannelSelectionPolicy>(), p => p is LastPolicy);
        var store = provider.GetRequiredService<IChannelStore>();
        await store.AddAsync(Channel(1, group: "batch,default"), TestContext.Current.CancellationToken);
        await store.AddAsync(Channel(2, group: "batch,default"), TestContext.Current.CancellationToken);
        await store.AddAsync(Channel(3, group: "batch,default"), TestContext.Current.CancellationToken);
        var catalogs = provider.GetRequiredService<ChannelCatalogProvider>();
        await catalogs.ReloadAsync(TestContext.Current.CancellationToken);

        Assert.All(Enumerable.Range(0, 20).Select(_ => Pick(catalogs.Current, "batch")), id => Assert.Equal(3, id));
        Assert.Equal(2, Pick(catalogs.Current, "batch", 3));
        Assert.IsType<WeightedRandomSelectionPolicy>(catalogs.Current.Policies.For("default"));
    }

    [Theory]
    [InlineData("Policy", "fastest")]
    [InlineData("Groups:vip", "nope")]
    public void UnknownPolicyName_FailsValidation_NamingTheSetting(string key, string value)
    {
        var services = new ServiceCollection();
        services.AddLlmRelay(o =>
        {
            if (key == "Policy")
            {
                o.Selection.Policy = value;
            }
            else
            {
                o.Selection.Groups["vip"] = value;
            }
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LlmRelayOptions>>().Value);

        Assert.Contains($"LlmRelay:Selection:{key} '{value}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(ChannelSelectionPolicies.LowestLatency, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PolicyNames_AreCaseInsensitive()
    {
        var catalog = Catalog("Round-Robin", null, null, Channel(1), Channel(2));

        Assert.IsType<RoundRobinSelectionPolicy>(catalog.Policies.For("default"));
    }

    private sealed class LastPolicy : IChannelSelectionPolicy
    {
        public string Name => "last";

        public int Pick(in ChannelSelectionContext context, ReadOnlySpan<ChannelCandidate> candidates)
        {
            Assert.Equal("batch", context.Group);
            Assert.Equal("m", context.Model);
            return candidates.Length - 1;
        }
    }
}
