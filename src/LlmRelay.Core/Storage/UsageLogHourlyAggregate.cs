namespace LlmRelay.Storage;

/// <summary>The usage of one model in one UTC hour.</summary>
/// <param name="ModelName">The model the callers asked for.</param>
/// <param name="HourStart">The start of the hour.</param>
/// <param name="Count">The number of rows.</param>
/// <param name="Quota">The summed quota.</param>
/// <param name="PromptTokens">The summed prompt tokens.</param>
/// <param name="CompletionTokens">The summed completion tokens.</param>
public sealed record UsageLogHourlyAggregate(string ModelName, DateTimeOffset HourStart, long Count, long Quota, long PromptTokens, long CompletionTokens);
