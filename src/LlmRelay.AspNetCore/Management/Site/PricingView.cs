namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>The price of one model: ratios and the groups whose channels serve it.</summary>
internal sealed record PricingView(string ModelName, double ModelRatio, double CompletionRatio, IReadOnlyList<string> EnableGroups);
