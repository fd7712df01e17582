using LlmRelay.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds gateway-key authentication (issue #14) for an app's own endpoints.</summary>
public static class LlmRelayAuthenticationBuilderExtensions
{
    /// <summary>Registers the <see cref="GatewayKeyDefaults.AuthenticationScheme"/> scheme and the <see cref="GatewayKeyDefaults.PolicyName"/> policy.</summary>
    /// <remarks>
    /// <para>
    /// With these, <c>.RequireAuthorization(GatewayKeyDefaults.PolicyName)</c> protects an app's own endpoint with
    /// LlmRelay gateway keys: the key is read and checked exactly as the relay endpoints do (status, expiry, owner,
    /// group, allowed addresses, quota), a refusal is answered in the caller's error shape, and <c>HttpContext.User</c>
    /// carries the claims named in <see cref="GatewayKeyDefaults"/>. Such endpoints need <c>UseAuthorization()</c>, which
    /// <c>WebApplication</c> adds by itself.
    /// </para>
    /// <para>
    /// The relay endpoints of <c>MapLlmRelay()</c> authenticate gateway keys without this call and without the
    /// authorization middleware. <c>AddManagementApi()</c> and <c>AddDashboard()</c> call this method. The default
    /// scheme is not changed: when the app set none, its only scheme of its own (if it has exactly one) stays the
    /// default, and otherwise none of LlmRelay's schemes becomes it. Calling this method more than once has no further effect.
    /// </para>
    /// </remarks>
    /// <param name="builder">The LlmRelay builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddGatewayKeyAuthentication(this ILlmRelayBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(static d => d.ServiceType == typeof(GatewayKeyMarker)))
        {
            return builder;
        }

        services.AddSingleton<GatewayKeyMarker>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, GatewayKeyAuthenticationHandler>(GatewayKeyDefaults.AuthenticationScheme, null);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<AuthenticationOptions>, DefaultSchemeGuard>());
        services.AddAuthorizationBuilder()
            .AddPolicy(GatewayKeyDefaults.PolicyName, static policy => policy
                .AddAuthenticationSchemes(GatewayKeyDefaults.AuthenticationScheme)
                .RequireAssertion(static context => GatewayKeyIdentity.TokenOf(context.User) is not null));
        return builder;
    }
}
