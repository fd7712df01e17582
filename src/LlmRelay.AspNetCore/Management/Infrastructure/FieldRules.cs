namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>The field-named validation messages of the management API, shared by <see cref="JsonBody"/>, the application services and the dashboard's form readers.</summary>
internal static class FieldRules
{
    /// <summary>The message for a required field that is absent.</summary>
    public static string Required(string field) => $"Field '{field}' is required.";

    /// <summary>The message for a field that is not an integer.</summary>
    public static string NotInteger(string field) => $"Field '{field}' must be an integer.";

    /// <summary>The message for a required text field that is empty.</summary>
    public static string Empty(string field) => $"Field '{field}' must not be empty.";

    /// <summary>Returns the message for <paramref name="value"/> outside <paramref name="min"/>..<paramref name="max"/>, or <see langword="null"/> when it is inside or absent.</summary>
    public static string? Range(string field, long? value, long min = long.MinValue, long max = long.MaxValue) =>
        value is { } v && (v < min || v > max) ? $"Field '{field}' must be between {min} and {max}." : null;

    /// <summary>Returns the message for text longer than <paramref name="maxLength"/>, or <see langword="null"/> when it fits or is absent.</summary>
    public static string? Length(string field, string? value, int maxLength) =>
        value is not null && value.Length > maxLength ? $"Field '{field}' must be at most {maxLength} characters." : null;

    /// <summary>Splits a comma-separated list, trimming entries and dropping empty and repeated ones.</summary>
    public static List<string> SplitList(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];
}
