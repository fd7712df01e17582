namespace LlmRelay.RateLimiting;

/// <summary>The shape of the sliding window every <see cref="IRateLimitStore"/> counts in: one minute in one-second segments.</summary>
/// <remarks>
/// A count made in segment <c>s</c> (whole seconds since the Unix epoch) is in the window until segment <c>s + 60</c>
/// starts, so a refused call is told to retry when the oldest segments it needs have left the window, to the second.
/// </remarks>
public static class RateLimitWindow
{
    /// <summary>The number of segments in one window.</summary>
    public const int Segments = 60;

    /// <summary>The length of one segment in milliseconds.</summary>
    public const long SegmentMilliseconds = 1000;

    /// <summary>Returns the segment <paramref name="now"/> falls in.</summary>
    /// <param name="now">A point in time.</param>
    /// <returns>Whole segments since the Unix epoch.</returns>
    public static long SegmentOf(DateTimeOffset now) => now.ToUnixTimeMilliseconds() / SegmentMilliseconds;

    /// <summary>Returns how long from <paramref name="now"/> until segment <paramref name="segment"/> has left the window.</summary>
    /// <param name="segment">The oldest segment whose counts must leave the window.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The wait, at least one millisecond.</returns>
    public static TimeSpan UntilExpired(long segment, DateTimeOffset now) =>
        TimeSpan.FromMilliseconds(Math.Max(1, ((segment + Segments) * SegmentMilliseconds) - now.ToUnixTimeMilliseconds()));
}
