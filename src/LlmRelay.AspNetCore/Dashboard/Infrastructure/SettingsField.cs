using System.Globalization;
using System.Text.Json;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>One option on the settings page: its input, its help text (a <see cref="DashboardStrings"/> key) and the checks the page adds to the option's own.</summary>
/// <param name="Key">The option's name, as <c>/api/option/</c> knows it.</param>
/// <param name="Input">How it is edited and checked.</param>
/// <param name="Min">For <see cref="SettingsInput.Integer"/>: the smallest value; for text: the shortest length.</param>
/// <param name="Max">For <see cref="SettingsInput.Integer"/>: the largest value; for text: the longest length.</param>
internal sealed record SettingsField(string Key, SettingsInput Input, long Min = 0, long Max = long.MaxValue)
{
    /// <summary>Gets the string key of the field's label.</summary>
    public string LabelKey => "opt_" + Key;

    /// <summary>Gets the string key of the field's help text.</summary>
    public string HelpKey => "opt_" + Key + "_help";

    /// <summary>Normalizes a posted value: numbers, switches and URLs trimmed; text areas with the CRLF line ends browsers post turned back to LF, so an unchanged value stays unchanged.</summary>
    public string Normalize(string value) =>
        Input is SettingsInput.Integer or SettingsInput.Url or SettingsInput.Boolean ? value.Trim() : value.Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>Checks a normalized value; returns the message to show next to the field, or <see langword="null"/>.</summary>
    public string? Validate(string value)
    {
        switch (Input)
        {
            case SettingsInput.Integer:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    return "Enter a whole number.";
                }

                return number < Min || number > Max
                    ? Max == long.MaxValue
                        ? string.Create(CultureInfo.InvariantCulture, $"Enter a number of at least {Min:N0}.")
                        : string.Create(CultureInfo.InvariantCulture, $"Enter a number from {Min:N0} to {Max:N0}.")
                    : null;
            case SettingsInput.Boolean:
                return value is "true" or "false" ? null : "Choose on or off.";
            case SettingsInput.Url:
                return value.Length == 0 || (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                    ? null
                    : "Enter an absolute http:// or https:// URL, or leave it empty.";
            case SettingsInput.Json:
                try
                {
                    using var document = JsonDocument.Parse(value);
                    return document.RootElement.ValueKind == JsonValueKind.Object ? null : "Enter a JSON object: { ... }.";
                }
                catch (JsonException e)
                {
                    return "Not valid JSON: " + e.Message;
                }

            default:
                return value.Length < Min ? "Enter a value."
                    : value.Length > Max ? string.Create(CultureInfo.InvariantCulture, $"Enter at most {Max:N0} characters.")
                    : null;
        }
    }
}
