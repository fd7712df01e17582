namespace LlmRelay.Management;

/// <summary>One stored system option: a name and its text value.</summary>
public sealed class SystemOption
{
    /// <summary>Gets or sets the option name, such as <c>RegisterEnabled</c>.</summary>
    public string Key { get; set; } = "";

    /// <summary>Gets or sets the option value as text.</summary>
    public string Value { get; set; } = "";
}
