using System.Globalization;
using System.Text.Json.Nodes;
using LlmRelay.Client;
using LlmRelay.Configuration;
using LlmRelay.Formats;
using LlmRelay.Core.Tests.Pricing;
using LlmRelay.Pricing;
using LlmRelay.Usage;

namespace LlmRelay.Core.Tests.Usage;

/// <summary>
/// The <c>other</c> text of a usage-log row is what it was before <see cref="UsageDetails"/> (issue #14: property names,
/// order and number formatting, byte for byte), and a stored text reads back verbatim.
/// </summary>
public sealed class UsageDetailsTests
{
    public static TheoryData<double, double, double, long> Numbers => new()
    {
        { 1, 1, 1, 0 },
        { 2.5, 0.5, 1.25, 1088 },
        { 0.1, 1.0 / 3, 0.075, long.MaxValue },
        { 0.00001, 123_456_789.125, 1e21, 7 },
        { 0, 1e-7, 4.000000000000001, 1 },
    };

    [Theory]
    [MemberData(nameof(Numbers))]
    public void ToJson_PricedByTokens_IsTheTextWrittenBefore(double ratio, double completion, double group, long tokens)
    {
        var sut = new UsageDetails
        {
            ModelRatio = ratio,
            CompletionRatio = completion,
            CacheRatio = ratio,
            CacheCreationRatio = 1.25,
            CacheCreation1hRatio = 2,
            GroupRatio = group,
            CachedTokens = tokens,
            CacheCreationTokens = tokens / 2,
            CacheCreation1hTokens = 3,
            ReasoningTokens = 0,
            FirstByteMs = 312,
        };

        // The interpolation RelayMetering wrote `other` with before the typed value.
        var before = string.Create(CultureInfo.InvariantCulture, $$"""{"model_ratio":{{ratio}},"completion_ratio":{{completion}},"cache_ratio":{{ratio}},"cache_creation_ratio":{{1.25}},"cache_creation_1h_ratio":{{2.0}},"group_ratio":{{group}},"cached_tokens":{{tokens}},"cache_creation_tokens":{{tokens / 2}},"cache_creation_1h_tokens":{{3L}},"reasoning_tokens":{{0L}},"first_byte_ms":{{312}}}""");
        Assert.Equal(before, sut.ToJson());
        Assert.Equal(before[..^1] + ""","usage":"estimated"}""", new UsageDetails { ModelRatio = ratio, CompletionRatio = completion, CacheRatio = ratio, CacheCreationRatio = 1.25, CacheCreation1hRatio = 2, GroupRatio = group, CachedTokens = tokens, CacheCreationTokens = tokens / 2, CacheCreation1hTokens = 3, ReasoningTokens = 0, FirstByteMs = 312, IsUsageEstimated = true }.ToJson());
    }

    [Theory]
    [InlineData(0.04, 1.5, -1)]
    [InlineData(12, 0.1, 0)]
    [InlineData(1e-9, 1, 2_000_000)]
    public void ToJson_FixedPrice_IsTheTextWrittenBefore(double price, double group, int firstByteMs)
    {
        var sut = new UsageDetails { ModelPrice = price, GroupRatio = group, FirstByteMs = firstByteMs };

        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $$"""{"model_price":{{price}},"group_ratio":{{group}},"first_byte_ms":{{firstByteMs}}}"""), sut.ToJson());
    }

    [Fact]
    public void ToJson_NoProperty_IsTheEmptyString()
    {
        Assert.Equal("", UsageDetails.None.ToJson());
        Assert.Equal("", new UsageDetails().ToJson());
        Assert.Equal("", new UsageLog().Other.ToJson());
        Assert.Equal("""{"usage":"estimated"}""", new UsageDetails { IsUsageEstimated = true }.ToJson());
    }

    [Fact]
    public void ToJson_NonFiniteRatio_IsValidJsonRatherThanAnException()
    {
        // Pricing validation keeps these out of the relay; a details built by hand must still not fail its row's write.
        var json = new UsageDetails { ModelRatio = double.NaN, GroupRatio = double.PositiveInfinity }.ToJson();

        var node = JsonNode.Parse(json)!;
        Assert.Equal("NaN", node["model_ratio"]!.GetValue<string>());
        Assert.Equal("Infinity", node["group_ratio"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"model_ratio":2.5,"completion_ratio":4,"cache_ratio":0.5,"cache_creation_ratio":1.25,"cache_creation_1h_ratio":2,"group_ratio":1,"cached_tokens":1088,"cache_creation_tokens":7,"cache_creation_1h_tokens":3,"reasoning_tokens":64,"first_byte_ms":312,"usage":"estimated"}""")]
    [InlineData("""{ "group_ratio" : 1, "model_ratio":2.5, "completion_ratio":4, "first_byte_ms":312, "cache_ratio":0.5, "cache_creation_ratio":1.25, "cache_creation_1h_ratio":2, "cached_tokens":1088, "cache_creation_tokens":7, "cache_creation_1h_tokens":3, "reasoning_tokens":64, "usage":"estimated", "frt": 5 }""")]
    public void Parse_KeepsTheTextVerbatim_AndReadsItsMembers(string stored)
    {
        var sut = UsageDetails.Parse(stored);

        Assert.Equal(stored, sut.ToJson());
        Assert.Equal(
            (null, 2.5, 4.0, 0.5, 1.25, 2.0, 1.0, 1088L, 7L, 3L, 64L, 312, true),
            (sut.ModelPrice, sut.ModelRatio, sut.CompletionRatio, sut.CacheRatio, sut.CacheCreationRatio, sut.CacheCreation1hRatio, sut.GroupRatio,
             sut.CachedTokens, sut.CacheCreationTokens, sut.CacheCreation1hTokens, sut.ReasoningTokens, sut.FirstByteMs, sut.IsUsageEstimated));
    }

    [Theory]
    [InlineData("""{"model_price":0.04,"group_ratio":1.5,"first_byte_ms":-1}""", false)]
    [InlineData("""{"model_price":0.04,"group_ratio":1.5,"first_byte_ms":-1,"usage":"estimated"}""", true)]
    [InlineData("""{"model_price":0.04,"group_ratio":1.5,"first_byte_ms":-1,"usage":"reported"}""", false)]
    public void Parse_FixedPrice_ReadsItsMembers(string stored, bool estimated)
    {
        var sut = UsageDetails.Parse(stored);

        Assert.Equal((0.04, 1.5, -1, estimated, (double?)null), (sut.ModelPrice, sut.GroupRatio, sut.FirstByteMs, sut.IsUsageEstimated, sut.ModelRatio));
        Assert.Equal(stored, sut.ToJson());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"model_ratio":"cheap"}""")]
    [InlineData("""{"cached_tokens":1.5}""")]
    [InlineData("[1,2]")]
    [InlineData("null")]
    [InlineData("""{"usage":"estimated",""")]
    public void Parse_TextItCannotRead_IsKeptAsIs(string stored)
    {
        var sut = UsageDetails.Parse(stored);

        Assert.Equal(stored, sut.ToJson());
        Assert.Null(sut.ModelRatio);
        Assert.Null(sut.CachedTokens);
        Assert.False(sut.IsUsageEstimated);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Parse_Empty_IsNone(string? stored) => Assert.Same(UsageDetails.None, UsageDetails.Parse(stored));

    [Fact]
    public void ApplyEstimatedUsage_AddsTheFlagToTheSamePricing()
    {
        var options = new LlmRelayOptions();
        options.Pricing.Models["m"] = new ModelPrice { ModelRatio = 2.5, CompletionRatio = 4, CacheReadRatio = 0.5 };
        var pricing = new ModelPricing(new TestOptionsMonitor<LlmRelayOptions>(options));
        var usage = new TokenUsage { InputTokens = 100, OutputTokens = 20, CachedInputTokens = 40, ReasoningTokens = 5, TotalTokens = 120 };
        var reported = new UsageLog { ModelName = "m", FirstByteMs = 250 };
        var estimated = new UsageLog { ModelName = "m", FirstByteMs = 250 };

        RelayMetering.ApplyUsage(reported, usage, "m", pricing);
        RelayMetering.ApplyEstimatedUsage(estimated, usage, "m", pricing);

        Assert.False(reported.Other.IsUsageEstimated);
        Assert.True(estimated.Other.IsUsageEstimated);
        Assert.Equal(reported.Quota, estimated.Quota);
        Assert.Equal(
            """{"model_ratio":2.5,"completion_ratio":4,"cache_ratio":0.5,"cache_creation_ratio":1.25,"cache_creation_1h_ratio":2,"group_ratio":1,"cached_tokens":40,"cache_creation_tokens":0,"cache_creation_1h_tokens":0,"reasoning_tokens":5,"first_byte_ms":250}""",
            reported.Other.ToJson());
        Assert.Equal(reported.Other.ToJson()[..^1] + ""","usage":"estimated"}""", estimated.Other.ToJson());
    }

    [Fact]
    public void ApplyUsage_KeepsTheAffinityOutcome_LastInTheText_AndParseReadsItBack()
    {
        var pricing = new ModelPricing(new TestOptionsMonitor<LlmRelayOptions>(new LlmRelayOptions()));
        var usage = new TokenUsage { InputTokens = 10, OutputTokens = 2, TotalTokens = 12 };
        var row = new UsageLog { ModelName = "m", FirstByteMs = 9, Other = UsageDetails.AffinityMoved };

        RelayMetering.ApplyEstimatedUsage(row, usage, "m", pricing);

        var json = row.Other.ToJson();
        Assert.EndsWith(""","usage":"estimated","affinity":"moved"}""", json, StringComparison.Ordinal);
        Assert.Equal("moved", UsageDetails.Parse(json).Affinity);
        Assert.Equal("""{"affinity":"hit"}""", UsageDetails.AffinityHit.ToJson());
        Assert.Equal("""{"affinity":"miss"}""", UsageDetails.AffinityMissed.ToJson());
        Assert.Null(UsageDetails.Parse("""{"group_ratio":1}""").Affinity);
    }

    [Fact]
    public void Pricing_KeepsTheTaskId_LastInTheText_AndParseReadsItBack()
    {
        var options = new LlmRelayOptions();
        options.Pricing.Models["video-model"] = new ModelPrice { FixedPrice = 0.1 };
        var pricing = new ModelPricing(new TestOptionsMonitor<LlmRelayOptions>(options));
        var fixedRow = new UsageLog { ModelName = "video-model", FirstByteMs = 9, Other = new UsageDetails { Affinity = "hit", TaskId = "video_abc" } };
        var tokenRow = new UsageLog { ModelName = "m", FirstByteMs = 9, Other = new UsageDetails { TaskId = "video_def" } };

        RelayMetering.ApplyUsage(fixedRow, default, "video-model", pricing);
        RelayMetering.ApplyUsage(tokenRow, new TokenUsage { InputTokens = 10, OutputTokens = 2, TotalTokens = 12 }, "m", pricing);

        Assert.Equal("""{"model_price":0.1,"group_ratio":1,"first_byte_ms":9,"affinity":"hit","task_id":"video_abc"}""", fixedRow.Other.ToJson());
        Assert.EndsWith(""","first_byte_ms":9,"task_id":"video_def"}""", tokenRow.Other.ToJson(), StringComparison.Ordinal);
        Assert.Equal("video_abc", UsageDetails.Parse(fixedRow.Other.ToJson()).TaskId);
        Assert.Equal("""{"task_id":"video_x"}""", new UsageDetails { TaskId = "video_x" }.ToJson());
        Assert.Null(UsageDetails.Parse("""{"group_ratio":1}""").TaskId);
    }
}
