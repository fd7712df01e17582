namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>A known system option: its name, kind and default value.</summary>
internal sealed record OptionDefinition(string Key, OptionKind Kind, string Default);
