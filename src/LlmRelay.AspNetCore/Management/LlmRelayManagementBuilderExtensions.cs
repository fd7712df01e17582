using LlmRelay.AspNetCore.Management;
using LlmRelay.AspNetCore.Management.Channels;
using LlmRelay.AspNetCore.Management.Infrastructure;
using LlmRelay.AspNetCore.Management.Site;
using LlmRelay.Storage;
using LlmRelay.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds LlmRelay's management API (<c>/api/...</c>): users, tokens, channels, options and redemption codes.</summary>
public static class LlmRelayManagementBuilderExtensions
{
    /// <summary>Registers the services the management API needs; <c>MapLlmRelay()</c> maps its routes only when this was called.</summary>
    /// <remarks>
    /// Adds two authentication schemes, <c>LlmRelay.Session</c> (cookie) and <c>LlmRelay.AccessToken</c>
    /// (<c>Authorization: Bearer</c> plus <c>New-Api-User</c>), and the policies <c>LlmRelay.User</c>,
    /// <c>LlmRelay.Admin</c> and <c>LlmRelay.Root</c>, and calls <c>AddGatewayKeyAuthentication()</c> (the
    /// <c>LlmRelay.GatewayKey</c> scheme and policy). None changes the app's default scheme, so apps with their
    /// own authentication keep it. Upstream channel keys are encrypted at rest with ASP.NET Core Data Protection;
    /// configure its key ring (for example <c>PersistKeysToFileSystem</c>) so keys survive restarts and are shared
    /// between instances. Calling this method more than once has no further effect.
    /// </remarks>
    /// <param name="builder">The LlmRelay builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddManagementApi(this ILlmRelayBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(static d => d.ServiceType == typeof(ManagementMarker)))
        {
            return builder;
        }

        services.AddSingleton<ManagementMarker>();
        builder.AddGatewayKeyAuthentication();
        services.TryAddSingleton(TimeProvider.System);
        services.AddDataProtection();

        // Instances behind one load balancer must share the discriminator as well as the key ring (issue #18); the default is
        // the content root path, which differs between hosts that install the app in different places.
        services.AddOptions<DataProtectionOptions>().Configure<IServiceProvider>(static (options, provider) =>
        {
            if (provider.GetService<Microsoft.Extensions.Configuration.IConfiguration>()?["LlmRelay:DataProtection:ApplicationName"] is { Length: > 0 } name && !string.IsNullOrWhiteSpace(name))
            {
                options.ApplicationDiscriminator = name.Trim();
            }
        });
        services.TryAddSingleton<ISecretProtector, DataProtectionSecretProtector>();
        services.TryAddSingleton<IPasswordHasher<RelayUser>, PasswordHasher<RelayUser>>();
        services.TryAddSingleton<LoginRateLimiter>();
        services.TryAddSingleton<ILoginRateLimiter>(static sp => sp.GetRequiredService<LoginRateLimiter>());
        services.TryAddSingleton<CrossSiteRequestPolicy>();
        services.TryAddSingleton<SecureVerification>();
        services.TryAddSingleton<ISecureVerification>(static sp => sp.GetRequiredService<SecureVerification>());
        services.TryAddSingleton<SystemSettings>();
        services.TryAddSingleton<LlmRelay.AspNetCore.Management.Users.UsableGroups>();
        services.TryAddSingleton<LlmRelay.Tokens.ITokenGroupPolicy>(static sp => sp.GetRequiredService<LlmRelay.AspNetCore.Management.Users.UsableGroups>());
        services.TryAddSingleton<ChannelTester>();
        services.TryAddScoped<LlmRelay.AspNetCore.Management.Site.SiteService>();
        services.TryAddScoped<LlmRelay.AspNetCore.Management.Tokens.TokenService>();
        services.TryAddScoped<LlmRelay.AspNetCore.Management.Users.AccountService>();
        services.TryAddScoped<LlmRelay.AspNetCore.Management.Logs.LogService>();
        services.TryAddScoped<LlmRelay.AspNetCore.Management.Tasks.TaskService>();
        services.TryAddScoped<LlmRelay.AspNetCore.Management.Redemption.RedemptionService>();
        services.TryAddScoped<LlmRelay.AspNetCore.Management.Site.OptionService>();
        services.TryAddScoped<LlmRelay.AspNetCore.Management.Site.PricingService>();
        services.TryAddScoped<LlmRelay.AspNetCore.Management.Users.UserService>();
        services.TryAddScoped<ChannelService>();
        services.TryAddScoped<LlmRelay.AspNetCore.Management.Groups.GroupService>();
        services.TryAddSingleton<LlmRelay.AspNetCore.Management.Admin.IAdminPasswordHasher, LlmRelay.AspNetCore.Management.Admin.Pbkdf2AdminPasswordHasher>();
        services.TryAddSingleton<LlmRelay.AspNetCore.Management.Admin.AdminCredentials>();
        services.TryAddSingleton<LlmRelay.AspNetCore.Management.Admin.AdminRuntimeSettings>();

        services.AddAuthentication()
            .AddCookie(ManagementSchemes.Session, static options =>
            {
                options.Cookie.Name = ManagementSchemes.SessionCookie;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromDays(7);
                options.SlidingExpiration = true;
                options.Events.OnRedirectToLogin = static context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                options.Events.OnRedirectToAccessDenied = static context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            })
            .AddScheme<AuthenticationSchemeOptions, AccessTokenAuthenticationHandler>(ManagementSchemes.AccessToken, null);

        services.AddAuthorizationBuilder()
            .AddPolicy(ManagementSchemes.UserPolicy, static policy => policy.RequireAssertion(static c => RoleOf(c.User) >= (int)UserRole.Common))
            .AddPolicy(ManagementSchemes.AdminPolicy, static policy => policy.RequireAssertion(static c => RoleOf(c.User) >= (int)UserRole.Admin))
            .AddPolicy(ManagementSchemes.RootPolicy, static policy => policy.RequireAssertion(static c => RoleOf(c.User) >= (int)UserRole.Root));
        return builder;
    }

    private static int RoleOf(System.Security.Claims.ClaimsPrincipal user) =>
        int.TryParse(user.FindFirst(ManagementSchemes.RoleClaim)?.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var role) ? role : 0;
}
