using LlmRelay.Concurrency;
using LlmRelay.Configuration;

namespace LlmRelay.Core.Tests.Concurrency;

public sealed class ConcurrencyOptionsTests
{
    private static List<string> Validate(Action<ConcurrencyOptions> configure)
    {
        var options = new LlmRelayOptions();
        configure(options.Concurrency);
        return new LlmRelayOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];
    }

    [Fact]
    public void Defaults_AreDocumentedValues_AndValid()
    {
        var options = new ConcurrencyOptions();

        Assert.Equal(0, options.MaxInFlight);
        Assert.Equal(0, options.MaxInFlightPerKey);
        Assert.Equal(1000, options.QueueLimit);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MaxQueueWait);
        Assert.Empty(Validate(static _ => { }));
    }

    [Fact]
    public void Validate_NegativeValues_Fail()
    {
        var failures = Validate(static o =>
        {
            o.MaxInFlight = -1;
            o.MaxInFlightPerKey = -1;
            o.QueueLimit = -1;
            o.MaxQueueWait = TimeSpan.Zero;
        });

        Assert.Equal(
            [
                "LlmRelay:Concurrency:MaxInFlight must not be negative (0 means unlimited).",
                "LlmRelay:Concurrency:MaxInFlightPerKey must not be negative (0 means unlimited).",
                "LlmRelay:Concurrency:QueueLimit must not be negative.",
                "LlmRelay:Concurrency:MaxQueueWait must be greater than zero and at most one day.",
            ],
            failures);
    }
}
