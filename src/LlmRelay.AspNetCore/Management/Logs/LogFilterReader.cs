using System.Globalization;
using LlmRelay.Storage;
using LlmRelay.Usage;

namespace LlmRelay.AspNetCore.Management.Logs;

/// <summary>Reads a usage-log filter from new-api's query parameters (<c>type</c>, <c>start_timestamp</c>, <c>end_timestamp</c>, <c>username</c>, <c>token_name</c>, <c>model_name</c>, <c>channel</c>, <c>group</c>); the log routes and the dashboard's log page share it.</summary>
internal static class LogFilterReader
{
    /// <summary>The largest timestamp accepted: 9999-12-31T23:59:59Z.</summary>
    public const long MaxUnixSeconds = 253_402_300_799;

    /// <summary>Reads the filter from query parameters (<paramref name="query"/> returns "" for an absent one); <paramref name="self"/> ignores the admin-only <c>username</c> and <c>channel</c>.</summary>
    /// <returns>The filter, without a user (the service adds the caller for <c>self</c>), or the message naming the bad parameter.</returns>
    public static (UsageLogFilter? Filter, string? Error) Read(Func<string, string> query, bool self)
    {
        UsageLogType? type = null;
        var typeText = query("type");
        if (typeText.Length > 0 && typeText != "0")
        {
            if (!int.TryParse(typeText, NumberStyles.None, CultureInfo.InvariantCulture, out var t) || !Enum.IsDefined((UsageLogType)t))
            {
                return (null, "Query 'type' must be 0 (all) or a log type: 1 top-up, 2 consume, 3 manage, 4 error, 5 system, 6 refund.");
            }

            type = (UsageLogType)t;
        }

        if (!TryTimestamp(query("start_timestamp"), out var start) || !TryTimestamp(query("end_timestamp"), out var end))
        {
            return (null, "Query 'start_timestamp' and 'end_timestamp' must be Unix seconds.");
        }

        // new-api compares end_timestamp inclusively in whole seconds; rows are stored in milliseconds.
        end = end?.AddSeconds(1);
        if (start is not null && end is not null && end <= start)
        {
            return (null, "Query 'end_timestamp' must not be before 'start_timestamp'.");
        }

        long? channel = null;
        var channelText = query("channel");
        if (!self && channelText.Length > 0 && channelText != "0")
        {
            if (!long.TryParse(channelText, NumberStyles.None, CultureInfo.InvariantCulture, out var c))
            {
                return (null, "Query 'channel' must be a channel id.");
            }

            channel = c;
        }

        var filter = new UsageLogFilter
        {
            Type = type,
            Start = start,
            End = end,
            Username = self ? null : Text(query("username")),
            TokenName = Text(query("token_name")),
            ModelName = Text(query("model_name")),
            ChannelId = channel,
            Group = Text(query("group")),
        };
        return (filter, null);
    }

    private static string? Text(string value)
    {
        var text = value.Trim();
        return text.Length == 0 ? null : text;
    }

    /// <summary>Parses Unix seconds; an empty value or 0 means "no bound". The end bound is inclusive of its whole second.</summary>
    private static bool TryTimestamp(string value, out DateTimeOffset? result)
    {
        result = null;
        var text = value;
        if (text.Length == 0 || text == "0")
        {
            return true;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxUnixSeconds)
        {
            return false;
        }

        result = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }
}
