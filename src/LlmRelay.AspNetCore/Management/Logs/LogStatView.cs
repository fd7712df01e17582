namespace LlmRelay.AspNetCore.Management.Logs;

/// <summary>Log statistics: quota in the requested range, requests and tokens of the last 60 seconds.</summary>
internal sealed record LogStatView(long Quota, long Rpm, long Tpm);
