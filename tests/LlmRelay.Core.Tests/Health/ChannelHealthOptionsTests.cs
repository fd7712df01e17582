using LlmRelay.Configuration;
using LlmRelay.Health;

namespace LlmRelay.Core.Tests.Health;

public sealed class ChannelHealthOptionsTests
{
    private static List<string> Validate(Action<ChannelHealthOptions> configure)
    {
        var options = new LlmRelayOptions();
        configure(options.Health);
        return new LlmRelayOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];
    }

    [Fact]
    public void Defaults_AreDocumentedValues_AndValid()
    {
        var options = new ChannelHealthOptions();

        Assert.Equal(0.5, options.FailureRatio);
        Assert.Equal(5, options.MinimumThroughput);
        Assert.Equal(TimeSpan.FromSeconds(60), options.SamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), options.BreakDuration);
        Assert.Empty(Validate(static _ => { }));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Validate_FailureRatioOutOfRange_Fails(double ratio) =>
        Assert.Contains("LlmRelay:Health:FailureRatio must be greater than 0 and at most 1.", Validate(o => o.FailureRatio = ratio));

    [Fact]
    public void Validate_FailureRatioOne_Passes() => Assert.Empty(Validate(static o => o.FailureRatio = 1));

    [Fact]
    public void Validate_MinimumThroughputOne_Fails() =>
        Assert.Contains("LlmRelay:Health:MinimumThroughput must be at least 2.", Validate(static o => o.MinimumThroughput = 1));

    [Fact]
    public void Validate_NonPositiveDurations_Fail()
    {
        var failures = Validate(static o =>
        {
            o.SamplingDuration = TimeSpan.Zero;
            o.BreakDuration = TimeSpan.FromSeconds(-1);
        });

        Assert.Contains("LlmRelay:Health:SamplingDuration must be greater than zero and at most one day.", failures);
        Assert.Contains("LlmRelay:Health:BreakDuration must be greater than zero and at most one day.", failures);
    }
}
