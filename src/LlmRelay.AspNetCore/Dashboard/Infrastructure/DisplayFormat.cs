using System.Globalization;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Formats numbers and times for the dashboard's pages.</summary>
internal static class DisplayFormat
{
    /// <summary>Formats Unix seconds as local time, or "-" for none.</summary>
    public static string Time(long unixSeconds) =>
        unixSeconds <= 0 ? "-" : DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Formats a number with thousands separators.</summary>
    public static string Num(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
