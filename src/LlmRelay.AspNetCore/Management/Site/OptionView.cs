namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>One system option.</summary>
internal sealed record OptionView(string Key, string Value);
