using System.Globalization;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>Formats numbers and times for the dashboard's pages.</summary>
internal static class DisplayFormat
{
    /// <summary>Formats an elapsed time given in milliseconds: "850 ms" under a second, "1.5 s" from a second on (issue #15: the page used to print whole seconds labelled ms).</summary>
    public static string Elapsed(long milliseconds) =>
        milliseconds < 1000
            ? Math.Max(0, milliseconds).ToString(CultureInfo.InvariantCulture) + " ms"
            : (milliseconds / 1000d).ToString("0.0#", CultureInfo.InvariantCulture) + " s";

    /// <summary>Formats an instant in <paramref name="zone"/> as the dashboard shows times.</summary>
    public static string Time(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Formats an instant in <paramref name="zone"/> as the value of a <c>datetime-local</c> input.</summary>
    public static string LocalInput(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Reads a <c>datetime-local</c> value as a time in <paramref name="zone"/>; <see langword="null"/> when it is not a date and time.</summary>
    public static DateTimeOffset? FromLocalInput(string text, TimeZoneInfo zone)
    {
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return null;
        }

        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        // A time skipped by a daylight-saving jump has no instant; read it with the zone's standard offset.
        var offset = zone.IsInvalidTime(local) ? zone.BaseUtcOffset : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }

    /// <summary>Formats a number with thousands separators.</summary>
    public static string Num(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
