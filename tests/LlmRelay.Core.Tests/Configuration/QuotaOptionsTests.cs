using LlmRelay.Configuration;

namespace LlmRelay.Core.Tests.Configuration;

public sealed class QuotaOptionsTests
{
    private static List<string> Validate(Action<QuotaOptions> configure)
    {
        var options = new LlmRelayOptions();
        configure(options.Quota);
        return new LlmRelayOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];
    }

    [Fact]
    public void Defaults_AreDocumentedValues_AndValid()
    {
        var options = new QuotaOptions();

        Assert.Equal(TimeSpan.FromSeconds(15), options.InstanceHeartbeat);
        Assert.Equal(TimeSpan.FromMinutes(2), options.InstanceLease);
        Assert.Empty(Validate(static _ => { }));
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(1, 2.001)]
    [InlineData(3600, 86400)]
    public void Validate_LeaseMoreThanTwiceTheHeartbeat_Passes(double heartbeatSeconds, double leaseSeconds)
    {
        Assert.Empty(Validate(o =>
        {
            o.InstanceHeartbeat = TimeSpan.FromSeconds(heartbeatSeconds);
            o.InstanceLease = TimeSpan.FromSeconds(leaseSeconds);
        }));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(15, 20)]
    [InlineData(15, 0)]
    [InlineData(1, 86401)]
    public void Validate_LeaseNotMoreThanTwiceTheHeartbeat_OrLongerThanADay_Fails(double heartbeatSeconds, double leaseSeconds)
    {
        var failures = Validate(o =>
        {
            o.InstanceHeartbeat = TimeSpan.FromSeconds(heartbeatSeconds);
            o.InstanceLease = TimeSpan.FromSeconds(leaseSeconds);
        });

        Assert.Equal(["LlmRelay:Quota:InstanceLease must be more than twice LlmRelay:Quota:InstanceHeartbeat and at most one day."], failures);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(3601)]
    public void Validate_HeartbeatNotPositive_OrLongerThanAnHour_Fails(double heartbeatSeconds)
    {
        var failures = Validate(o =>
        {
            o.InstanceHeartbeat = TimeSpan.FromSeconds(heartbeatSeconds);
            o.InstanceLease = TimeSpan.FromHours(3);
        });

        Assert.Equal(["LlmRelay:Quota:InstanceHeartbeat must be at least 1 millisecond and at most one hour."], failures);
    }
}
