using LlmRelay.Usage;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>How a filtered range splits into whole hours, read from the hourly rollups, and at most two partial hours at its ends, read from <c>usage_logs</c>.</summary>
/// <param name="From">The first whole hour (Unix milliseconds, inclusive), or <see langword="null"/> from the beginning.</param>
/// <param name="To">The end of the last whole hour (Unix milliseconds, exclusive), or <see langword="null"/> to the end.</param>
internal readonly record struct RollupRange(long? From, long? To)
{
    private static readonly long MaxMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>Returns the split of <paramref name="filter"/>'s range, or <see langword="null"/> when the rollups cannot serve the filter.</summary>
    /// <param name="filter">A filter whose user name is already resolved to a user id.</param>
    /// <returns>
    /// <see langword="null"/> when the filter names a token, a token name or a keyword (the rollups keep none of them), a
    /// user together with a channel or group (<see cref="UserUsageHour"/> keeps neither), or a range without a whole hour.
    /// </returns>
    public static RollupRange? For(UsageLogFilter filter)
    {
        if (filter.TokenId is not null
            || !string.IsNullOrEmpty(filter.TokenName)
            || !string.IsNullOrWhiteSpace(filter.Keyword)
            || !string.IsNullOrEmpty(filter.Username)
            || (filter.UserId is not null && (filter.ChannelId is not null || !string.IsNullOrEmpty(filter.Group))))
        {
            return null;
        }

        long? from = filter.Start is { } start ? CeilingHour(start.ToUnixTimeMilliseconds()) : null;
        long? to = filter.End is { } end ? UsageRollup.HourOf(end.ToUnixTimeMilliseconds()) : null;

        // A start in the last hour of year 9999 has no whole hour after it that DateTimeOffset can name.
        return (from is { } f && to is { } t && f >= t) || from > MaxMilliseconds ? null : new RollupRange(from, to);
    }

    /// <summary>Returns the filters of the partial hours before <see cref="From"/> and after <see cref="To"/> that the range also covers.</summary>
    /// <param name="filter">The filter this range was made for.</param>
    /// <returns>Zero, one or two filters, each bounded to a part of one hour.</returns>
    public IEnumerable<UsageLogFilter> Edges(UsageLogFilter filter)
    {
        if (Head(filter) is { } head)
        {
            yield return head;
        }

        if (Tail(filter) is { } tail)
        {
            yield return tail;
        }
    }

    /// <summary>Returns the filter of the partial hour from the filter's start to <see cref="From"/>, if the start is not on an hour.</summary>
    /// <param name="filter">The filter this range was made for.</param>
    /// <returns>The filter, bounded to <c>[start, From)</c>; <see langword="null"/> when there is no such part.</returns>
    public UsageLogFilter? Head(UsageLogFilter filter) =>
        filter.Start is { } start && From is { } from && start.ToUnixTimeMilliseconds() < from
            ? filter with { End = DateTimeOffset.FromUnixTimeMilliseconds(from) }
            : null;

    /// <summary>Returns the filter of the partial hour from <see cref="To"/> to the filter's end, if the end is not on an hour.</summary>
    /// <param name="filter">The filter this range was made for.</param>
    /// <returns>The filter, bounded to <c>[To, end)</c>; <see langword="null"/> when there is no such part.</returns>
    public UsageLogFilter? Tail(UsageLogFilter filter) =>
        filter.End is { } end && To is { } to && end.ToUnixTimeMilliseconds() > to
            ? filter with { Start = DateTimeOffset.FromUnixTimeMilliseconds(to) }
            : null;

    private static long CeilingHour(long unixMilliseconds)
    {
        var hour = UsageRollup.HourOf(unixMilliseconds);
        return hour == unixMilliseconds ? hour : hour + UsageRollup.MillisecondsPerHour;
    }
}
