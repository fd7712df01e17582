using LlmRelay.Configuration;
using LlmRelay.Internal;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers LlmRelay's services.</summary>
public static class LlmRelayServiceCollectionExtensions
{
    /// <summary>Adds LlmRelay's core services with default options.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder to configure storage and policies.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddLlmRelay(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        LlmRelayCoreServices.Add(services);
        return new LlmRelayBuilder(services);
    }

    /// <summary>Adds LlmRelay's core services and configures <see cref="LlmRelayOptions"/> with a delegate.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>A builder to configure storage and policies.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddLlmRelay(this IServiceCollection services, Action<LlmRelayOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddLlmRelay();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds LlmRelay's core services and binds <see cref="LlmRelayOptions"/> to a configuration section.</summary>
    /// <remarks>
    /// The section is typically <c>LlmRelay</c>, so that <c>LlmRelay:Channels:0:BaseUrl</c> (or the environment
    /// variable <c>LlmRelay__Channels__0__BaseUrl</c>) declares a channel.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section to bind.</param>
    /// <returns>A builder to configure storage and policies.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    public static ILlmRelayBuilder AddLlmRelay(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddLlmRelay();
        services.Configure<LlmRelayOptions>(configuration);
        return builder;
    }
}
