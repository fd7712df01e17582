using LlmRelay.Users;

namespace LlmRelay.AspNetCore.Management.Users;

/// <summary>A user as the management API shows it; never carries the password hash or access token.</summary>
internal sealed record UserView(
    long Id,
    string Username,
    string DisplayName,
    int Role,
    int Status,
    string Email,
    string Group,
    long Quota,
    long UsedQuota,
    long RequestCount,
    string AffCode,
    long InviterId,
    long CreatedTime)
{
    public static UserView From(RelayUser user) => new(
        user.Id,
        user.Username,
        user.DisplayName,
        (int)user.Role,
        (int)user.Status,
        user.Email,
        user.Group,
        user.Quota,
        user.UsedQuota,
        user.RequestCount,
        user.AffCode,
        user.InviterId,
        user.CreatedAt.ToUnixTimeSeconds());
}
