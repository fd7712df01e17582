namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>How the settings page edits and checks one option.</summary>
internal enum SettingsInput
{
    /// <summary>One line of text.</summary>
    Text,

    /// <summary>Several lines of text (Markdown or HTML the site shows).</summary>
    LongText,

    /// <summary>On or off (<c>true</c> / <c>false</c>).</summary>
    Boolean,

    /// <summary>A whole number (its bounds are the option's own).</summary>
    Integer,

    /// <summary>A JSON object, checked by the option's definition (ratios, group names).</summary>
    Json,

    /// <summary>An absolute <c>http</c> or <c>https</c> URL, or empty.</summary>
    Url,
}
