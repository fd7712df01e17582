using LlmRelay.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Creates <see cref="RelayChatClient"/> instances from an application's services.</summary>
public static class RelayChatClientServiceProviderExtensions
{
    /// <summary>Returns an in-process relay client that meters its calls against a gateway token, or as the unlimited <c>in-process</c> identity.</summary>
    /// <param name="services">The application's service provider, in which <c>AddLlmRelay()</c> was called.</param>
    /// <param name="tokenKey">The gateway token (<c>sk-...</c>), or <see langword="null"/> for the container's <see cref="RelayChatClient"/> (configured with <c>RelayChatClientOptions</c>).</param>
    /// <returns>A relay client; with <paramref name="tokenKey"/>, a new instance that routes in the token's group.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>AddLlmRelay()</c> was not called.</exception>
    public static RelayChatClient GetRelayChatClient(this IServiceProvider services, string? tokenKey = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (tokenKey is null)
        {
            return services.GetService<RelayChatClient>()
                ?? throw new InvalidOperationException("LlmRelay's services are not registered. Call services.AddLlmRelay() before resolving a RelayChatClient.");
        }

        var defaults = services.GetService<Options.IOptions<RelayChatClientOptions>>()?.Value;
        return new RelayChatClient(services, new RelayChatClientOptions { TokenKey = tokenKey, DefaultModel = defaults?.DefaultModel });
    }

    /// <summary>Returns a new in-process relay client with the given options.</summary>
    /// <param name="services">The application's service provider, in which <c>AddLlmRelay()</c> was called.</param>
    /// <param name="options">The token, group and default model.</param>
    /// <returns>A new relay client.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>AddLlmRelay()</c> was not called.</exception>
    public static RelayChatClient GetRelayChatClient(this IServiceProvider services, RelayChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        return new RelayChatClient(services, options);
    }
}
