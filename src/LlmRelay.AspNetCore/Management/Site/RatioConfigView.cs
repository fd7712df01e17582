namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>The ratios that price requests.</summary>
internal sealed record RatioConfigView(
    IReadOnlyDictionary<string, double> ModelRatio,
    IReadOnlyDictionary<string, double> CompletionRatio,
    IReadOnlyDictionary<string, double> GroupRatio);
