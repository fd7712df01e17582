using BenchmarkDotNet.Attributes;
using LlmRelay.Channels;
using LlmRelay.Configuration;
using LlmRelay.Selection;

namespace LlmRelay.Benchmarks;

/// <summary>One channel selection per policy: a tier of four channels, one of them already tried.</summary>
/// <remarks>Run: <c>dotnet run -c Release --project bench/LlmRelay.Benchmarks -- --filter '*ChannelSelection*'</c>.</remarks>
[MemoryDiagnoser]
public class ChannelSelectionBenchmarks
{
    private static readonly long[] Excluded = [2];

    private ChannelCatalog _catalog = null!;

    /// <summary>Gets or sets the policy measured.</summary>
    [Params(ChannelSelectionPolicies.WeightedRandom, ChannelSelectionPolicies.RoundRobin, ChannelSelectionPolicies.LeastBusy, ChannelSelectionPolicies.LowestLatency)]
    public string Policy { get; set; } = ChannelSelectionPolicies.WeightedRandom;

    /// <summary>Builds the catalog with measured load on every channel.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var loads = new ChannelLoadTracker();
        var channels = Enumerable.Range(1, 4).Select(i => new RelayChannel { Id = i, Name = $"c{i}", BaseUrl = "http://127.0.0.1:1", Weight = i, Models = ["gpt-4o-mini"] }).ToArray();
        foreach (var channel in channels)
        {
            loads.For(channel.Id).RecordFirstByte(TimeSpan.FromMilliseconds(100 * channel.Id));
        }

        _catalog = new ChannelCatalog(channels, null, new ChannelSelectionPolicySet(ChannelSelectionPolicySet.BuiltIn(), new ChannelSelectionOptions { Policy = Policy }), loads);
    }

    /// <summary>Selects one channel.</summary>
    [Benchmark]
    public long Select()
    {
        ChannelSelector.Select(_catalog, "default", "gpt-4o-mini", Excluded, out var channel);
        return channel!.Id;
    }
}
