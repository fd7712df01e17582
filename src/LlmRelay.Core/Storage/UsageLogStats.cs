namespace LlmRelay.Storage;

/// <summary>Statistics over usage-log rows: the quota in a range and the request and token rates of the last minute.</summary>
/// <param name="Quota">The summed quota of the matching rows in the requested range.</param>
/// <param name="RequestsPerMinute">The matching rows created in the last 60 seconds.</param>
/// <param name="TokensPerMinute">The prompt plus completion tokens of the matching rows created in the last 60 seconds.</param>
public sealed record UsageLogStats(long Quota, long RequestsPerMinute, long TokensPerMinute);
