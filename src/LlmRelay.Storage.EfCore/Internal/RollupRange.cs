using LlmRelay.Usage;

namespace LlmRelay.Storage.EfCore.Internal;

/// <summary>How a filtered range splits into whole hours, read from the hourly rollups, and at most two partial hours at its ends, read from <c>usage_logs</c>.</summary>
/// <param name="From">The first whole hour (Unix milliseconds, inclusive), or <see langword="null"/> from the beginning.</param>
/// <param name="To">The end of the last whole hour (Unix milliseconds, exclusive), or <see langword="null"/> to the end.</param>
internal readonly record struct RollupRange(long? From, long? To)
{
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
        return from is { } f && to is { } t && f >= t ? null : new RollupRange(from, to);
    }

    /// <summary>Returns the filters of the partial hours before <see cref="From"/> and after <see cref="To"/> that the range also covers.</summary>
    /// <param name="filter">The filter this range was made for.</param>
    /// <returns>Zero, one or two filters, each bounded to a part of one hour.</returns>
    public IEnumerable<UsageLogFilter> Edges(UsageLogFilter filter)
    {
        if (filter.Start is { } start && From is { } from && start.ToUnixTimeMilliseconds() < from)
        {
            yield return filter with { End = DateTimeOffset.FromUnixTimeMilliseconds(from) };
        }

        if (filter.End is { } end && To is { } to && end.ToUnixTimeMilliseconds() > to)
        {
            yield return filter with { Start = DateTimeOffset.FromUnixTimeMilliseconds(to) };
        }
    }

    private static long CeilingHour(long unixMilliseconds)
    {
        var hour = UsageRollup.HourOf(unixMilliseconds);
        return hour == unixMilliseconds ? hour : hour + UsageRollup.MillisecondsPerHour;
    }
}
