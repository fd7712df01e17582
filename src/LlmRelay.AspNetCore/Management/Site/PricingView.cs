namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>The price the relay charges for one model: quota type (0 per token, 1 per call), ratios or fixed USD price, and the groups whose channels serve it.</summary>
internal sealed record PricingView(string ModelName, int QuotaType, double ModelRatio, double CompletionRatio, double? ModelPrice, IReadOnlyList<string> EnableGroups);
