using LlmRelay.Tokens;

namespace LlmRelay.AspNetCore.Management.Tokens;

/// <summary>A gateway token as the management API shows it: <see cref="Key"/> is the full key only in the creation answer, masked otherwise.</summary>
/// <remarks><see cref="AllowIps"/> is new-api's newline-separated list of addresses and CIDR ranges (empty: any address).</remarks>
internal sealed record TokenView(
    long Id,
    long UserId,
    string Name,
    string Key,
    int Status,
    long RemainQuota,
    long UsedQuota,
    bool UnlimitedQuota,
    long ExpiredTime,
    long CreatedTime,
    IReadOnlyList<string> Models,
    string Group,
    string AllowIps)
{
    public static TokenView From(ApiToken token, string? fullKey = null) => new(
        token.Id,
        token.UserId,
        token.Name,
        fullKey ?? token.KeyHint,
        (int)token.Status,
        token.RemainQuota,
        token.UsedQuota,
        token.UnlimitedQuota,
        token.ExpiresAt?.ToUnixTimeSeconds() ?? -1,
        token.CreatedAt.ToUnixTimeSeconds(),
        token.Models,
        token.Group,
        string.Join('\n', token.AllowIps));
}
