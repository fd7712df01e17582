namespace LlmRelay.Selection;

/// <summary>Reads the keys of <c>LlmRelay:ModelFamilies</c>: a model-name prefix followed by one <c>*</c>, such as <c>claude-*</c>.</summary>
internal static class ModelFamilyPattern
{
    /// <summary>Returns whether <paramref name="pattern"/> is a non-empty prefix followed by a single trailing <c>*</c>.</summary>
    public static bool IsValid(string? pattern) =>
        pattern is { Length: > 1 } && pattern[^1] == '*' && pattern.IndexOf('*', StringComparison.Ordinal) == pattern.Length - 1 && !string.IsNullOrWhiteSpace(pattern[..^1]);

    /// <summary>Returns the prefix of a valid pattern (the pattern without its <c>*</c>).</summary>
    public static string PrefixOf(string pattern) => pattern[..^1];
}
