namespace LlmRelay.AspNetCore.Management.Users;

/// <summary>One top-up (redeemed code or administrator grant) from the usage log.</summary>
internal sealed record TopUpView(long Id, long UserId, long Quota, long CreatedTime, string Content);
