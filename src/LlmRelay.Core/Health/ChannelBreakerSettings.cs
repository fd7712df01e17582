namespace LlmRelay.Health;

/// <summary><see cref="ChannelHealthOptions"/> converted once into <see cref="TimeProvider"/> timestamp units.</summary>
internal sealed class ChannelBreakerSettings
{
    /// <summary>The number of buckets the sampling window is split into; the window slides one bucket at a time.</summary>
    public const int BucketCount = 10;

    public ChannelBreakerSettings(ChannelHealthOptions options, long timestampFrequency)
    {
        TimestampFrequency = timestampFrequency;
        FailureRatio = options.FailureRatio;
        MinimumThroughput = options.MinimumThroughput;
        BreakDuration = options.BreakDuration;
        BreakTicks = Math.Max(1, ToTimestampTicks(options.BreakDuration));
        BucketTicks = Math.Max(1, ToTimestampTicks(options.SamplingDuration) / BucketCount);
    }

    public long TimestampFrequency { get; }

    public double FailureRatio { get; }

    public int MinimumThroughput { get; }

    public TimeSpan BreakDuration { get; }

    /// <summary>Gets the break duration in timestamp units.</summary>
    public long BreakTicks { get; }

    /// <summary>Gets the length of one window bucket in timestamp units.</summary>
    public long BucketTicks { get; }

    public TimeSpan ToTimeSpan(long timestampTicks) => TimeSpan.FromTicks((long)(timestampTicks * ((double)TimeSpan.TicksPerSecond / TimestampFrequency)));

    private long ToTimestampTicks(TimeSpan duration) => (long)(duration.Ticks * ((double)TimestampFrequency / TimeSpan.TicksPerSecond));
}
