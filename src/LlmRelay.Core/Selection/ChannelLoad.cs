namespace LlmRelay.Selection;

/// <summary>One channel's load as this instance sees it: calls in flight and a moving average of the time to first byte.</summary>
/// <remarks>Thread-safe and lock-free. Kept by <see cref="ChannelLoadTracker"/> per channel id, so that it outlives catalog rebuilds.</remarks>
internal sealed class ChannelLoad
{
    // Weight of a new sample in the moving average: about the last ten calls matter.
    private const double Smoothing = 0.2;

    private int _inFlight;
    private long _latencyTicks = -1;

    /// <summary>Gets the calls in flight on the channel.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Gets the moving average of the time to first byte, or <see langword="null"/> before the first sample.</summary>
    public TimeSpan? RecentLatency => Volatile.Read(ref _latencyTicks) is var ticks and >= 0 ? TimeSpan.FromTicks(ticks) : null;

    /// <summary>Counts one more call in flight; <see cref="Exit"/> ends it.</summary>
    public void Enter() => Interlocked.Increment(ref _inFlight);

    /// <summary>Ends one call counted by <see cref="Enter"/>.</summary>
    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Adds a successful call's time to first byte to the moving average.</summary>
    public void RecordFirstByte(TimeSpan elapsed)
    {
        var sample = Math.Max(0, elapsed.Ticks);
        while (true)
        {
            var current = Volatile.Read(ref _latencyTicks);
            var next = current < 0 ? sample : (long)(current + (Smoothing * (sample - current)));
            if (Interlocked.CompareExchange(ref _latencyTicks, next, current) == current)
            {
                return;
            }
        }
    }
}
