namespace LlmRelay.AspNetCore.Management.Infrastructure;

/// <summary>Names of LlmRelay's authentication schemes, authorization policies and claims; prefixed so they never collide with the host app's.</summary>
internal static class ManagementSchemes
{
    public const string Session = "LlmRelay.Session";
    public const string AccessToken = "LlmRelay.AccessToken";
    public const string UserPolicy = "LlmRelay.User";
    public const string AdminPolicy = "LlmRelay.Admin";
    public const string RootPolicy = "LlmRelay.Root";
    public const string RoleClaim = "llmrelay_role";
    public const string StampClaim = "llmrelay_stamp";
    public const string UserHeader = "New-Api-User";
    public const string SessionCookie = "llmrelay_session";

    public static string PolicyFor(AccessLevel level) => level switch
    {
        AccessLevel.Root => RootPolicy,
        AccessLevel.Admin => AdminPolicy,
        _ => UserPolicy,
    };
}
