namespace LlmRelay.AspNetCore.Management.Site;

/// <summary>Usage of one model in one hour: <see cref="CreatedAt"/> is the hour's start in Unix seconds.</summary>
internal sealed record QuotaDataView(string ModelName, long CreatedAt, long Count, long Quota, long TokenUsed);
