using LlmRelay.Management;

namespace LlmRelay.AspNetCore.Management.Redemption;

/// <summary>A redemption code as the management API shows it to administrators.</summary>
internal sealed record RedemptionView(
    long Id,
    long UserId,
    string Key,
    string Name,
    int Status,
    long Quota,
    long CreatedTime,
    long RedeemedTime,
    long UsedUserId,
    long ExpiredTime)
{
    public static RedemptionView From(RedemptionCode code) => new(
        code.Id,
        code.UserId,
        code.Key,
        code.Name,
        (int)code.Status,
        code.Quota,
        code.CreatedAt.ToUnixTimeSeconds(),
        code.RedeemedAt?.ToUnixTimeSeconds() ?? 0,
        code.UsedUserId,
        code.ExpiresAt?.ToUnixTimeSeconds() ?? -1);
}
