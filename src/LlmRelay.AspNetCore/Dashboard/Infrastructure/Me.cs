using System.Text.Json;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>The signed-in user as <c>GET /api/user/self</c> describes them.</summary>
internal sealed record Me(long Id, string Username, int Role, long Quota, long UsedQuota, string Group)
{
    public bool IsAdmin => Role >= 10;

    public bool IsRoot => Role >= 100;

    public static Me From(JsonElement user) => new(
        J.Long(user, "id"), J.Str(user, "username"), (int)J.Long(user, "role"), J.Long(user, "quota"), J.Long(user, "used_quota"), J.Str(user, "group"));
}
