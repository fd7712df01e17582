using System.Globalization;
using BenchmarkDotNet.Attributes;
using LlmRelay.Usage;

namespace LlmRelay.Benchmarks;

/// <summary>
/// Formatting one usage-log row's <c>other</c> text (issue #14): the interpolated string RelayMetering built before,
/// plus the slice that marked an estimated usage, against <see cref="UsageDetails"/> built on the request path and
/// serialised once by the store (source-generated).
/// </summary>
[MemoryDiagnoser]
public class UsageDetailsBenchmarks
{
    private readonly double _ratio = 2.5;
    private readonly double _completion = 4;
    private readonly double _group = 0.75;
    private readonly long _cached = 1088;
    private readonly int? _firstByte = 312;

    [Params(false, true)]
    public bool Estimated { get; set; }

    [Benchmark(Baseline = true)]
    public string InterpolatedThenSliced()
    {
        var other = string.Create(CultureInfo.InvariantCulture, $$"""{"model_ratio":{{_ratio}},"completion_ratio":{{_completion}},"cache_ratio":{{0.1}},"cache_creation_ratio":{{1.25}},"cache_creation_1h_ratio":{{2.0}},"group_ratio":{{_group}},"cached_tokens":{{_cached}},"cache_creation_tokens":{{0L}},"cache_creation_1h_tokens":{{0L}},"reasoning_tokens":{{64L}},"first_byte_ms":{{_firstByte ?? -1}}}""");
        return Estimated ? other[..^1] + ""","usage":"estimated"}""" : other;
    }

    [Benchmark]
    public string TypedThenSerialised() => new UsageDetails
    {
        ModelRatio = _ratio,
        CompletionRatio = _completion,
        CacheRatio = 0.1,
        CacheCreationRatio = 1.25,
        CacheCreation1hRatio = 2,
        GroupRatio = _group,
        CachedTokens = _cached,
        CacheCreationTokens = 0,
        CacheCreation1hTokens = 0,
        ReasoningTokens = 64,
        FirstByteMs = _firstByte ?? -1,
        IsUsageEstimated = Estimated,
    }.ToJson();
}
