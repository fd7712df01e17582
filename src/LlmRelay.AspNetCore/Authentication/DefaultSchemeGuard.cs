using LlmRelay.AspNetCore.Management.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LlmRelay.AspNetCore.Authentication;

/// <summary>Keeps LlmRelay's authentication schemes from changing which scheme is the app's default.</summary>
/// <remarks>
/// When no default is set, ASP.NET Core makes the only registered scheme the default. LlmRelay's schemes would change
/// that: next to one scheme of the app's own they would leave the app without the default it relied on, and alone the
/// gateway-key scheme would become the default, authenticating every request of the app that carries a key and
/// answering the challenges of its <c>[Authorize]</c> endpoints. So, when the app set no default scheme:
/// <list type="bullet">
/// <item>with exactly one scheme of its own, that scheme is made the default (what ASP.NET Core picks without LlmRelay);</item>
/// <item>when LlmRelay's single scheme is the only one, the default is set to <see cref="NoDefault"/>, a name no scheme
/// has, which resolves to no scheme, as having no scheme did. (<c>AuthenticationOptions.DisableAutoDefaultScheme</c>
/// is not public in .NET 10; only a process-wide <c>AppContext</c> switch sets it.)</item>
/// </list>
/// </remarks>
internal sealed class DefaultSchemeGuard : IPostConfigureOptions<AuthenticationOptions>
{
    /// <summary>The default scheme name that stands for none; no scheme may be registered under it.</summary>
    public const string NoDefault = "LlmRelay.NoDefaultScheme";

    public void PostConfigure(string? name, AuthenticationOptions options)
    {
        if (options.DefaultScheme is not null)
        {
            return;
        }

        string? own = null;
        int owned = 0, total = 0;
        foreach (var scheme in options.Schemes)
        {
            total++;
            if (!IsLlmRelayScheme(scheme.Name))
            {
                own = scheme.Name;
                owned++;
            }
        }

        if (owned == 1)
        {
            options.DefaultScheme = own;
        }
        else if (owned == 0 && total == 1)
        {
            options.DefaultScheme = NoDefault;
        }
    }

    private static bool IsLlmRelayScheme(string name) =>
        name is GatewayKeyDefaults.AuthenticationScheme or ManagementSchemes.Session or ManagementSchemes.AccessToken;
}
