namespace LlmRelay.AspNetCore.Management.Logs;

/// <summary>Usage of one model in one hour; <see cref="CreatedAt"/> is the hour's start in Unix seconds and <see cref="TokenUsed"/> is prompt plus completion tokens.</summary>
internal sealed record HourlyUsageView(string ModelName, long CreatedAt, long Count, long Quota, long TokenUsed, long PromptTokens, long CompletionTokens);
