using LlmRelay.AspNetCore.Management.Site;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>One option on the settings page: its input and its help text (a <see cref="DashboardStrings"/> key).</summary>
/// <param name="Key">The option's name, as <c>/api/option/</c> knows it.</param>
/// <param name="Input">How it is edited.</param>
/// <remarks>The page checks nothing of its own: a posted value is judged by the option's <see cref="OptionDefinition"/>, as <c>PUT /api/option/</c> judges it (issue #15).</remarks>
internal sealed record SettingsField(string Key, SettingsInput Input)
{
    /// <summary>Gets the string key of the field's label.</summary>
    public string LabelKey => "opt_" + Key;

    /// <summary>Gets the string key of the field's help text.</summary>
    public string HelpKey => "opt_" + Key + "_help";

    /// <summary>Normalizes a posted value: numbers, switches and URLs trimmed; text areas with the CRLF line ends browsers post turned back to LF, so an unchanged value stays unchanged.</summary>
    public string Normalize(string value) =>
        Input is SettingsInput.Integer or SettingsInput.Url or SettingsInput.Boolean ? value.Trim() : value.Replace("\r\n", "\n", StringComparison.Ordinal);
}
