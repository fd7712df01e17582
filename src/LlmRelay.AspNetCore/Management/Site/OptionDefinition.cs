using System.Globalization;
using System.Text.Json;
using LlmRelay.AspNetCore.Management.Infrastructure;

namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>A known system option: its name, kind, default value and the bounds its value must keep.</summary>
/// <param name="Key">The option's name.</param>
/// <param name="Kind">How its text value is read and checked.</param>
/// <param name="Default">The value until one is stored.</param>
/// <param name="Min">For <see cref="OptionKind.Integer"/>: the smallest value; for <see cref="OptionKind.Text"/>: the shortest length.</param>
/// <param name="Max">For <see cref="OptionKind.Integer"/>: the largest value; for <see cref="OptionKind.Text"/>: the longest length.</param>
/// <remarks>
/// <see cref="Check"/> is the one place an option's value is judged (issue #15): <c>PUT /api/option/</c>, the dashboard's
/// settings forms and <c>POST /admin/config/import</c> all reach it through <see cref="SystemSettings.Validate"/>.
/// </remarks>
internal sealed record OptionDefinition(string Key, OptionKind Kind, string Default, long Min = 0, long Max = long.MaxValue)
{
    /// <summary>The longest text any option holds.</summary>
    public const long MaxTextLength = 1 << 20;

    /// <summary>Checks <paramref name="value"/>; returns a message naming the option and the problem, or <see langword="null"/>.</summary>
    public string? Check(string value)
    {
        switch (Kind)
        {
            case OptionKind.Boolean:
                return bool.TryParse(value, out _) ? null : $"Option '{Key}' must be true or false.";
            case OptionKind.Integer:
                return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= Min && number <= Max
                    ? null
                    : Max == long.MaxValue
                        ? string.Create(CultureInfo.InvariantCulture, $"Option '{Key}' must be a whole number of at least {Min:N0}.")
                        : string.Create(CultureInfo.InvariantCulture, $"Option '{Key}' must be a whole number from {Min:N0} to {Max:N0}.");
            case OptionKind.Url:
                return value.Length == 0 || (value.Length <= 2048 && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                    ? null
                    : $"Option '{Key}' must be an absolute http:// or https:// URL, or empty.";
            case OptionKind.RatioMap:
                return CheckJson(value, ManagementJsonContext.Default.DictionaryStringDouble, static ratios => !ratios.Values.Any(static r => r < 0 || !double.IsFinite(r)), "a JSON object of non-negative numbers");
            case OptionKind.TextMap:
                return CheckJson(value, ManagementJsonContext.Default.DictionaryStringString, static _ => true, "a JSON object of strings");
            case OptionKind.RateLimits:
                return value.Length > MaxTextLength ? $"Option '{Key}' is too long." : LlmRelay.RateLimiting.StoredRateLimitOptions.Validate(value);
            case OptionKind.Internal:
                return value.Length > MaxTextLength ? $"Option '{Key}' is too long." : CheckJson(value, ManagementJsonContext.Default.JsonArray, static _ => true, "a JSON array");
            default:
                return value.Length < Min
                    ? Min == 1 ? $"Option '{Key}' must not be empty." : string.Create(CultureInfo.InvariantCulture, $"Option '{Key}' must be at least {Min:N0} characters.")
                    : value.Length > Math.Min(Max, MaxTextLength) ? string.Create(CultureInfo.InvariantCulture, $"Option '{Key}' must be at most {Math.Min(Max, MaxTextLength):N0} characters.")
                    : null;
        }
    }

    private string? CheckJson<T>(string value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, Func<T, bool> valid, string expected)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(value, type) is { } parsed && valid(parsed) ? null : $"Option '{Key}' must be {expected}.";
        }
        catch (JsonException e)
        {
            // The parser's own words say where the text stops being JSON (or which value is not the expected kind).
            return $"Option '{Key}' must be {expected}; not valid JSON: {e.Message}";
        }
    }
}
