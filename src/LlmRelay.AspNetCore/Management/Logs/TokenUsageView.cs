namespace LlmRelay.AspNetCore.Management.Logs;

/// <summary>A gateway key's own usage, in new-api's <c>token_usage</c> shape; <see cref="ExpiresAt"/> is 0 for never.</summary>
internal sealed record TokenUsageView(
    string Object,
    string Name,
    long TotalGranted,
    long TotalUsed,
    long TotalAvailable,
    bool UnlimitedQuota,
    Dictionary<string, bool> ModelLimits,
    bool ModelLimitsEnabled,
    long ExpiresAt);
