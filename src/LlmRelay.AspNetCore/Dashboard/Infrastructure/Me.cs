using LlmRelay.Users;

namespace LlmRelay.AspNetCore.Dashboard.Infrastructure;

/// <summary>The signed-in user: the <see cref="RelayUser"/> the session cookie names, which the dashboard passes to the application services as the acting user.</summary>
/// <param name="Actor">The user row loaded for this request.</param>
internal sealed record Me(RelayUser Actor)
{
    public long Id => Actor.Id;

    public string Username => Actor.Username;

    public UserRole Role => Actor.Role;

    public long Quota => Actor.Quota;

    public long UsedQuota => Actor.UsedQuota;

    public string Group => Actor.Group;

    public bool IsAdmin => Role >= UserRole.Admin;

    public bool IsRoot => Role >= UserRole.Root;
}
